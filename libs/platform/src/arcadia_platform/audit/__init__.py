"""The operators' audit as pure code over collected facts (views, invariant 6, the report)."""
