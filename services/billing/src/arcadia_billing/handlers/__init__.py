"""Billing's reactions to other services' events; routes.py says which reacts to what."""
