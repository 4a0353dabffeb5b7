-- Cloud resources, their links to deployments, and the sagas whose abort inventory has heard.

CREATE TABLE resources (
    id                  uuid PRIMARY KEY,
    provider            text NOT NULL,
    provider_id         text NOT NULL,
    kind                text NOT NULL,
    tenant_id           text NOT NULL,
    deployment_id       uuid NOT NULL,
    saga_id             uuid,
    region              text NOT NULL,
    size                text NOT NULL,
    ip_address          text,
    monthly_cost_cents  integer NOT NULL CHECK (monthly_cost_cents >= 0),
    currency            text NOT NULL,
    status              text NOT NULL CHECK (status IN ('active', 'released')),
    registered_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
    released_at         timestamptz,
    release_reason      text,
    -- Invariant 3: one resource per provider object, whatever the number of deliveries.
    UNIQUE (provider, provider_id)
);
-- A deployment holds at most one active resource of a kind (one droplet).
CREATE UNIQUE INDEX resources_one_active_per_deployment
    ON resources (deployment_id, kind) WHERE status = 'active';
CREATE INDEX resources_by_tenant ON resources (tenant_id, status);
CREATE INDEX resources_by_saga ON resources (saga_id) WHERE saga_id IS NOT NULL;

CREATE TABLE resource_links (
    resource_id    uuid NOT NULL REFERENCES resources (id),
    deployment_id  uuid NOT NULL,
    linked_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    unlinked_at    timestamptz,
    PRIMARY KEY (resource_id, deployment_id)
);
CREATE INDEX resource_links_current ON resource_links (deployment_id) WHERE unlinked_at IS NULL;

-- Invariant 4: an abort heard before registration is remembered, so the step is never done;
-- its primary key also makes "one ResourceReleased per saga abort" hold across topics.
CREATE TABLE saga_aborts (
    saga_id               uuid PRIMARY KEY,
    tenant_id             text NOT NULL,
    deployment_id         uuid,
    failed_step           text NOT NULL,
    reason                text NOT NULL,
    heard_from            text NOT NULL,
    abort_event_id        uuid NOT NULL,
    released_resource_id  uuid,
    aborted_at            timestamptz NOT NULL DEFAULT clock_timestamp()
);
