"""The gateway's side of inventory: its client, drift and resources (operators)."""
