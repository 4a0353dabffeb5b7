-- Subscriptions (one per deployment), their snapshotted add-on lines and their plan changes.

CREATE TABLE subscriptions (
    id                      uuid PRIMARY KEY,
    tenant_id               text NOT NULL,
    deployment_id           uuid NOT NULL UNIQUE,
    plan_version_id         bigint NOT NULL REFERENCES plan_versions (id),
    -- The version the open period started on: its close charges this one (changes are prorated).
    period_plan_version_id  bigint REFERENCES plan_versions (id),
    status                  text NOT NULL
        CHECK (status IN ('pending', 'active', 'paused', 'past_due', 'cancelled')),
    saga_id                 uuid,
    current_period_start    timestamptz,
    current_period_end      timestamptz,
    trial_ends_at           timestamptz,
    created_at              timestamptz NOT NULL,
    created_by              text NOT NULL,
    activated_at            timestamptz,
    cancelled_at            timestamptz,
    CHECK ((current_period_start IS NULL) = (current_period_end IS NULL)),
    CHECK (current_period_start < current_period_end),
    CHECK ((current_period_start IS NULL) = (period_plan_version_id IS NULL))
);
CREATE INDEX subscriptions_tenant ON subscriptions (tenant_id);
CREATE INDEX subscriptions_saga ON subscriptions (saga_id) WHERE saga_id IS NOT NULL;
CREATE INDEX subscriptions_period_end ON subscriptions (current_period_end);

-- A line is the add-on's price and quantity as they were when attached: never edited.
CREATE TABLE subscription_addons (
    id                uuid PRIMARY KEY,
    subscription_id   uuid NOT NULL REFERENCES subscriptions (id),
    addon_code        text NOT NULL REFERENCES addons (code),
    addon_price_id    bigint NOT NULL REFERENCES addon_prices (id),
    unit_price_cents  bigint NOT NULL CHECK (unit_price_cents >= 0),
    currency          text NOT NULL,
    quantity          integer NOT NULL CHECK (quantity BETWEEN 1 AND 10000),
    attached_at       timestamptz NOT NULL,
    attached_by       text NOT NULL
);
CREATE INDEX subscription_addons_subscription ON subscription_addons (subscription_id);

CREATE TRIGGER subscription_addons_append_only
    BEFORE UPDATE OR DELETE ON subscription_addons
    FOR EACH ROW EXECUTE FUNCTION append_only();

CREATE TABLE plan_changes (
    id               uuid PRIMARY KEY,
    subscription_id  uuid NOT NULL REFERENCES subscriptions (id),
    from_version_id  bigint NOT NULL REFERENCES plan_versions (id),
    to_version_id    bigint NOT NULL REFERENCES plan_versions (id),
    changed_at       timestamptz NOT NULL,
    changed_by       text NOT NULL,
    remaining_days   integer NOT NULL,
    month_days       integer NOT NULL,
    credit_cents     bigint NOT NULL,
    charge_cents     bigint NOT NULL,
    currency         text NOT NULL
);
CREATE INDEX plan_changes_subscription ON plan_changes (subscription_id);

CREATE TRIGGER plan_changes_append_only
    BEFORE UPDATE OR DELETE ON plan_changes
    FOR EACH ROW EXECUTE FUNCTION append_only();
