-- Outbound poison: a row the relay can never publish is parked (kept, marked, listed), not retried
-- forever in front of every other row. Releasing it (an operator's call) clears parked_at.
ALTER TABLE outbox
    ADD COLUMN parked_at   timestamptz,
    ADD COLUMN park_reason text,
    ADD COLUMN park_count  integer NOT NULL DEFAULT 0,
    ADD COLUMN released_at timestamptz;

-- Later rows of a parked row's key wait behind it: the relay looks them up by (topic, key).
CREATE INDEX outbox_parked ON outbox (topic, key, id) WHERE parked_at IS NOT NULL AND sent_at IS NULL;
