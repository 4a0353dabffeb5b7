"""Tenants as the gateway sees them (operators)."""
