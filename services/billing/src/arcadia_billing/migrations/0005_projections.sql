-- What billing remembers of other services' facts: deployments, tenants, sagas, payments, costs.

-- Each half is last-writer-wins by the fact's time: a stale fact sent again changes nothing.
CREATE TABLE deployments (
    deployment_id             uuid PRIMARY KEY,
    tenant_id                 text NOT NULL,
    state                     text,
    state_at                  timestamptz,
    billing_action_suspended  boolean NOT NULL DEFAULT false,
    override_at               timestamptz
);

-- Last writer wins by the event's occurred_at: the tenants topic has no per-tenant key order.
CREATE TABLE tenants (
    tenant_id   text PRIMARY KEY,
    standing    text NOT NULL CHECK (standing IN ('good', 'bad')),
    changed_at  timestamptz NOT NULL
);

-- Billing's view of each provisioning saga: whether it saw the request and/or an abort, in any
-- order (DESIGN invariant 4).
CREATE TABLE sagas (
    saga_id        uuid PRIMARY KEY,
    deployment_id  uuid,
    tenant_id      text NOT NULL,
    requested_at   timestamptz,
    aborted_at     timestamptz,
    abort_producer text,
    abort_step     text,
    abort_reason   text,
    -- 'reserved' | 'rejected' (billing aborted it) | 'compensated'
    outcome        text
);

CREATE TABLE payments (
    payment_id     text NOT NULL,
    outcome        text NOT NULL CHECK (outcome IN ('succeeded', 'failed')),
    tenant_id      text NOT NULL,
    deployment_id  uuid,
    amount_cents   bigint NOT NULL,
    currency       text NOT NULL,
    reason         text,
    -- What billing did about a failure: which subscriptions went past due, which were spared.
    past_due       uuid[] NOT NULL DEFAULT '{}',
    suppressed     uuid[] NOT NULL DEFAULT '{}',
    occurred_at    timestamptz NOT NULL,
    recorded_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (payment_id, outcome)
);

CREATE TABLE resources (
    resource_id         text PRIMARY KEY,
    tenant_id           text NOT NULL,
    deployment_id       uuid,
    provider_id         text NOT NULL,
    kind                text NOT NULL,
    monthly_cost_cents  bigint NOT NULL,
    currency            text NOT NULL,
    registered_at       timestamptz NOT NULL,
    released_at         timestamptz
);
CREATE INDEX resources_deployment ON resources (deployment_id);
