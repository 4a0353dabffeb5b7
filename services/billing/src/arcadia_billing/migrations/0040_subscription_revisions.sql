-- The revision each SubscriptionChanged carries (issue 13, the gateway's read model): taken under
-- the subscription's row lock, so one subscription's revisions grow in commit order.
CREATE SEQUENCE IF NOT EXISTS subscription_revisions;
