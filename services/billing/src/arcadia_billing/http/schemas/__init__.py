"""Billing's schemas of its internal HTTP API: request bodies and response documents."""
