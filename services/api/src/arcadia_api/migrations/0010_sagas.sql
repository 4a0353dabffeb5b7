-- Saga records: the api owns them (DESIGN.md "The provisioning saga").
CREATE TABLE sagas (
    id              uuid PRIMARY KEY,
    deployment_id   uuid NOT NULL,
    tenant_id       text NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('provision', 'teardown')),
    status          text NOT NULL CHECK (status IN
                        ('running', 'completed', 'compensating', 'compensated', 'compensation_failed')),
    started_at      timestamptz NOT NULL,
    deadline_at     timestamptz NOT NULL,
    finished_at     timestamptz,
    failed_step     text,
    reason          text,
    -- Which undo (or teardown) reports have arrived, e.g. {"billing", "inventory"}.
    reports         text[] NOT NULL DEFAULT '{}',
    request         jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX sagas_deployment ON sagas (deployment_id, started_at);
CREATE INDEX sagas_status ON sagas (status, started_at);
CREATE INDEX sagas_open_deadline ON sagas (deadline_at) WHERE status IN ('running', 'compensating');

CREATE TABLE saga_steps (
    saga_id      uuid NOT NULL REFERENCES sagas (id),
    position     integer NOT NULL,
    step         text NOT NULL,
    status       text NOT NULL CHECK (status IN
                     ('pending', 'running', 'succeeded', 'failed', 'compensating', 'compensated')),
    attempts     integer NOT NULL DEFAULT 0,
    started_at   timestamptz,
    finished_at  timestamptz,
    deadline_at  timestamptz,
    last_error   text,
    PRIMARY KEY (saga_id, position)
);
CREATE INDEX saga_steps_running_deadline ON saga_steps (deadline_at) WHERE status = 'running';
