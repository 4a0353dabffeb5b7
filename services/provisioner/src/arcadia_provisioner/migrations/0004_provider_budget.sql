-- The provider's request budget, shared by every provisioner instance that uses the token: one
-- row per token (a hash of it, never the token), taken by one upsert per request (GCRA: `tat`
-- is the theoretical arrival time of the next request; adapters/provider_budget.py).
CREATE TABLE provider_budget (
    token_key   text PRIMARY KEY,
    tat         timestamptz NOT NULL
);
