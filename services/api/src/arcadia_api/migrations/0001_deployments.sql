-- Deployments and their lifecycle history, owned by the api (gateway) service.

CREATE TABLE deployments (
    id                        uuid PRIMARY KEY,
    tenant_id                 text NOT NULL,
    slug                      text NOT NULL CHECK (slug ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
    display_name              text NOT NULL,
    region                    text NOT NULL,
    state                     text NOT NULL CHECK (state IN ('provisioning', 'trial', 'active',
                                  'past_due', 'paused', 'suspended', 'cancelled', 'archived')),
    llm_mode                  text NOT NULL,
    billing_action_suspended  boolean NOT NULL DEFAULT false,
    template_code             text,
    template_version          text,
    created_at                timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at                timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT deployments_tenant_slug UNIQUE (tenant_id, slug)
);
-- Listing is newest first, per tenant or across tenants, optionally by state.
CREATE INDEX deployments_tenant_page ON deployments (tenant_id, created_at DESC, id DESC);
CREATE INDEX deployments_page ON deployments (created_at DESC, id DESC);

CREATE TABLE deployment_events (
    id             bigserial PRIMARY KEY,
    deployment_id  uuid NOT NULL REFERENCES deployments (id),
    from_state     text,
    to_state       text NOT NULL,
    actor          text NOT NULL,
    reason         text,
    event_id       uuid NOT NULL UNIQUE,  -- the DeploymentStateChanged published for this step
    at             timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX deployment_events_of ON deployment_events (deployment_id, id);
