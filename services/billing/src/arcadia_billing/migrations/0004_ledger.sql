-- The ledger: append-only, integer cents per tenant; a tenant's balance is the sum of its rows.

-- Sign: positive = the tenant owes more (charges), negative = credits and payments.
CREATE TABLE ledger_entries (
    id               bigserial PRIMARY KEY,
    tenant_id        text NOT NULL,
    kind             text NOT NULL CHECK (kind IN ('charge', 'proration', 'credit', 'payment')),
    amount_cents     bigint NOT NULL,
    currency         text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    subscription_id  uuid REFERENCES subscriptions (id),
    deployment_id    uuid,
    period_start     timestamptz,
    period_end       timestamptz,
    description      text NOT NULL,
    -- What makes an entry unique in the world (a period line, a payment id, a plan change...):
    -- recording the same fact twice is a no-op.
    idempotency_key  text NOT NULL UNIQUE,
    created_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
    CHECK (
        (kind = 'charge' AND amount_cents > 0)
        OR (kind IN ('credit', 'payment') AND amount_cents < 0)
        OR (kind = 'proration' AND amount_cents <> 0)
    )
);
CREATE INDEX ledger_entries_tenant ON ledger_entries (tenant_id, id);
CREATE INDEX ledger_entries_subscription ON ledger_entries (subscription_id);

CREATE TRIGGER ledger_entries_append_only
    BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION append_only();
CREATE TRIGGER ledger_entries_no_truncate
    BEFORE TRUNCATE ON ledger_entries
    FOR EACH STATEMENT EXECUTE FUNCTION append_only();

-- One row per (subscription, period) ever closed: closing it again finds the row and stops.
CREATE TABLE closed_periods (
    subscription_id  uuid NOT NULL REFERENCES subscriptions (id),
    period_start     timestamptz NOT NULL,
    period_end       timestamptz NOT NULL,
    billable_days    integer NOT NULL,
    month_days       integer NOT NULL,
    total_cents      bigint NOT NULL,
    currency         text NOT NULL,
    closed_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (subscription_id, period_start)
);

CREATE TRIGGER closed_periods_append_only
    BEFORE UPDATE OR DELETE ON closed_periods
    FOR EACH ROW EXECUTE FUNCTION append_only();
