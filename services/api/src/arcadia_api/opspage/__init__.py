"""The operators' status page at /ops: one static HTML page, its script and stylesheet (no build
step), all public; the data comes from the operator APIs with the token the operator pastes."""
