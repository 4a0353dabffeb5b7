"""Inventory's reactions to saga events; routes.py says which reacts to what."""
