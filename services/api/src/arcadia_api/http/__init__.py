"""HTTP plumbing every feature shares: auth, tokens, problems, idempotency, paging, limits."""
