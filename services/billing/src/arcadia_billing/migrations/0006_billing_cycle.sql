-- The billing cycle: the durable schedule (periods, trials, dunning) and invoices.

-- The schedule is these columns: a period is due when current_period_end has passed, a trial
-- when trial_ends_at has, dunning when past_due_since + the grace period has. The loop reads
-- them under FOR UPDATE SKIP LOCKED; closed_periods' primary key keeps each close to one.
ALTER TABLE subscriptions
    ADD COLUMN trial_ended_at        timestamptz,
    ADD COLUMN past_due_since        timestamptz,
    ADD COLUMN dunning_suspended_at  timestamptz;
CREATE INDEX subscriptions_trial_due ON subscriptions (trial_ends_at)
    WHERE trial_ends_at IS NOT NULL AND trial_ended_at IS NULL;
CREATE INDEX subscriptions_past_due ON subscriptions (past_due_since)
    WHERE past_due_since IS NOT NULL AND dunning_suspended_at IS NULL;

-- One invoice per tenant, currency and calendar month; its lines are ledger entries (each
-- entry on at most one invoice), so an invoice's total is the ledger's, to the cent.
CREATE TABLE invoices (
    id            uuid PRIMARY KEY,
    tenant_id     text NOT NULL,
    currency      text NOT NULL,
    period_start  timestamptz NOT NULL,
    period_end    timestamptz NOT NULL,
    total_cents   bigint NOT NULL DEFAULT 0,
    paid_cents    bigint NOT NULL DEFAULT 0 CHECK (paid_cents >= 0),
    status        text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'paid')),
    issued_at     timestamptz NOT NULL,
    settled_at    timestamptz,
    UNIQUE (tenant_id, currency, period_start)
);
CREATE INDEX invoices_tenant ON invoices (tenant_id, period_start);
CREATE INDEX invoices_open ON invoices (tenant_id, currency, period_start) WHERE status = 'open';

CREATE TABLE invoice_lines (
    ledger_entry_id  bigint PRIMARY KEY REFERENCES ledger_entries (id),
    invoice_id       uuid NOT NULL REFERENCES invoices (id),
    subscription_id  uuid,
    deployment_id    uuid,
    kind             text NOT NULL,
    description      text NOT NULL,
    amount_cents     bigint NOT NULL
);
CREATE INDEX invoice_lines_invoice ON invoice_lines (invoice_id);

CREATE TRIGGER invoice_lines_append_only
    BEFORE UPDATE OR DELETE ON invoice_lines
    FOR EACH ROW EXECUTE FUNCTION append_only();
