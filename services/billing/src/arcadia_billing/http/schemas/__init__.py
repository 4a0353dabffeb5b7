"""Billing's schemas of its internal HTTP API: request bodies (requests.py) and, one module per
area, response documents (catalog, subscriptions, ledger, invoices) on the `Out` base."""

from __future__ import annotations

import msgspec


class Out(msgspec.Struct, frozen=True, kw_only=True):
    """Base of every response body."""
