-- One row per provisioning saga: what was asked, what the provider did, and whether it was undone.
CREATE TABLE provisionings (
    saga_id         uuid PRIMARY KEY,
    deployment_id   uuid NOT NULL,
    tenant_id       text NOT NULL,
    slug            text,
    region          text,
    size            text,
    requested       boolean NOT NULL DEFAULT false,   -- DeploymentProvisioningRequested seen
    reserved        boolean NOT NULL DEFAULT false,   -- SubscriptionReserved seen
    linked          boolean NOT NULL DEFAULT false,   -- ResourceLinked seen
    aborted_at      timestamptz,                      -- ProvisioningAborted seen (from anyone)
    abort_reason    text,
    droplet_id      bigint,
    ip_address      text,
    droplet_active  boolean NOT NULL DEFAULT false,
    dns_fqdn        text,
    dns_prepared    boolean NOT NULL DEFAULT false,   -- dns_previous holds what was there before us
    dns_previous    jsonb,                            -- {"id", "data"} of a record we replaced, or null
    dns_record_id   bigint,
    dns_pointed     boolean NOT NULL DEFAULT false,
    undone_at       timestamptz,                      -- compensation or teardown finished
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX provisionings_deployment ON provisionings (deployment_id);

-- Teardowns of provisioned deployments (a saga of their own, id from the api).
CREATE TABLE teardowns (
    saga_id             uuid PRIMARY KEY,
    deployment_id       uuid NOT NULL,
    tenant_id           text NOT NULL,
    provisioning_saga   uuid,
    created_at          timestamptz NOT NULL DEFAULT now()
);

-- Durable work against the cloud provider. One job of each kind per saga; a worker claims due
-- jobs under a per-saga advisory lock, calls the provider outside any transaction, then records
-- the outcome and its events in one transaction.
CREATE TABLE jobs (
    id          bigserial PRIMARY KEY,
    saga_id     uuid NOT NULL,
    kind        text NOT NULL,
    run_at      timestamptz NOT NULL DEFAULT now(),
    deadline_at timestamptz,
    attempts    integer NOT NULL DEFAULT 0,
    last_error  text,
    done_at     timestamptz,
    outcome     text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (saga_id, kind)
);
CREATE INDEX jobs_due ON jobs (run_at) WHERE done_at IS NULL;
