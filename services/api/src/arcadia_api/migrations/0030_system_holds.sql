-- What the platform holds a deployment in, and the state to give back when the hold ends:
-- 'dunning' (billing suspended it for an unpaid debt) and 'tenant' (the platform suspended the
-- whole tenant). A hold is never taken twice; ending it deletes the row.
CREATE TABLE system_holds (
    deployment_id   uuid NOT NULL REFERENCES deployments (id),
    kind            text NOT NULL CHECK (kind IN ('dunning', 'tenant')),
    previous_state  text NOT NULL,
    held_at         timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (deployment_id, kind)
);

-- The platform's word on each tenant, last writer wins by the event's time: the tenants topic
-- does not order a tenant's events, so a reinstatement heard before its suspension wins.
CREATE TABLE tenant_standing (
    tenant_id   text PRIMARY KEY,
    suspended   boolean NOT NULL,
    changed_at  timestamptz NOT NULL
);
