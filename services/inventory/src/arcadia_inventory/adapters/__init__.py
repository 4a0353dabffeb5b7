"""The inventory's edges: its PostgreSQL tables, its outbox and the cloud provider's API."""
