"""Plain JSON-ready data from the CLI's typed results (shared with the gateway's audit report)."""

from arcadia_platform.audit.jsonable import plain

__all__ = ["plain"]
