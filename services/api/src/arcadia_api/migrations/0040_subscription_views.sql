-- The gateway's read model of each deployment's subscription (issue 13), fed by billing's
-- SubscriptionChanged on arcadia.billing.v1: GET /api/v1/deployments/{id} reads it, not billing.
-- `revision` (billing's, per change) makes it order-safe: an older view never replaces a newer.
CREATE TABLE IF NOT EXISTS subscription_views (
    deployment_id uuid PRIMARY KEY,
    subscription_id uuid NOT NULL,
    revision bigint NOT NULL,
    status text NOT NULL,
    view jsonb NOT NULL,
    changed_at timestamptz NOT NULL
);
