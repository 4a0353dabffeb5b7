"""Event payloads, one module per topic."""
