-- Unpriced resources, DNS records from the saga's DNS events, and drift kept as findings.

-- A droplet of a size the price table does not know is unpriced: no cost, never a guess.
ALTER TABLE resources ALTER COLUMN monthly_cost_cents DROP NOT NULL;

-- The A record each saga points at its droplet (DnsPointed), released with the saga/deployment.
CREATE TABLE dns_records (
    id             uuid PRIMARY KEY,
    provider       text NOT NULL,
    record_id      text NOT NULL,
    domain         text NOT NULL,
    name           text NOT NULL,
    fqdn           text NOT NULL,
    type           text NOT NULL,
    content        text NOT NULL,
    tenant_id      text NOT NULL,
    deployment_id  uuid NOT NULL,
    saga_id        uuid,
    status         text NOT NULL CHECK (status IN ('active', 'released')),
    registered_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    released_at    timestamptz,
    release_reason text,
    -- One registration per saga and record: a redelivered DnsPointed is a no-op.
    UNIQUE (saga_id, record_id)
);
-- A provider record is held by at most one active registration (a newer saga's takes it over).
CREATE UNIQUE INDEX dns_records_one_active
    ON dns_records (provider, record_id) WHERE status = 'active';
CREATE INDEX dns_records_by_tenant ON dns_records (tenant_id, status);
CREATE INDEX dns_records_by_deployment ON dns_records (deployment_id);

-- Drift: what a scan found; open until a scan no longer finds it, or an operator fixes it.
CREATE TABLE drift_findings (
    id             uuid PRIMARY KEY,
    -- Identity of a finding across scans: kind, subject kind, subject and field.
    key            text NOT NULL,
    kind           text NOT NULL CHECK (kind IN ('orphan', 'ghost', 'mismatch')),
    subject_kind   text NOT NULL CHECK (subject_kind IN ('droplet', 'dns_record')),
    subject        text NOT NULL,
    field          text,
    expected       text,
    actual         text,
    resource_id    uuid,
    tenant_id      text,
    deployment_id  uuid,
    detail         jsonb NOT NULL DEFAULT '{}'::jsonb,
    status         text NOT NULL CHECK (status IN ('open', 'closed')),
    first_seen     timestamptz NOT NULL,
    last_seen      timestamptz NOT NULL,
    closed_at      timestamptz,
    close_reason   text
);
CREATE UNIQUE INDEX drift_findings_one_open ON drift_findings (key) WHERE status = 'open';
CREATE INDEX drift_findings_by_status ON drift_findings (status, first_seen, id);

-- Scans: asked for (`requested`), by the schedule or an operator; one runs at a time.
CREATE TABLE drift_scans (
    id            uuid PRIMARY KEY,
    trigger       text NOT NULL CHECK (trigger IN ('schedule', 'operator')),
    status        text NOT NULL CHECK (status IN ('requested', 'running', 'done', 'failed')),
    requested_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    started_at    timestamptz,
    finished_at   timestamptz,
    droplets_seen integer,
    records_seen  integer,
    found         integer,
    opened        integer,
    closed        integer,
    error         text
);
CREATE INDEX drift_scans_requested ON drift_scans (requested_at) WHERE status = 'requested';
