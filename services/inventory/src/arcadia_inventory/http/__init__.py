"""The inventory's internal HTTP API (/internal/v1): thin controllers over the read side."""
