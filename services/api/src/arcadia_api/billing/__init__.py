"""The gateway's side of billing: its internal API client, balances and margin."""
