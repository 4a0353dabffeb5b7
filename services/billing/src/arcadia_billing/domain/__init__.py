"""Billing's domain: subscriptions, prices, money, periods, ledger entries and errors; no I/O."""
