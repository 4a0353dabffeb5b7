-- Answers to POST requests that carried an Idempotency-Key, replayed for 24 hours.

CREATE TABLE idempotency_keys (
    tenant_id    text NOT NULL,
    key          text NOT NULL,
    fingerprint  text NOT NULL,  -- sha256 of method, path and the decoded request body
    status_code  integer NOT NULL,
    media_type   text NOT NULL,
    body         jsonb NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (tenant_id, key)
);
CREATE INDEX idempotency_keys_age ON idempotency_keys (created_at);
