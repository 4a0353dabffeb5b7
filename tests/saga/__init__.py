"""The provisioning saga across all services: DESIGN.md's invariants 1-5."""
