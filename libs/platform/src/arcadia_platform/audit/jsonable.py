"""Plain JSON-ready data from typed results (dataclasses, datetimes, bytes, durations)."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import Any


def plain(value: Any) -> Any:
    """`value` as JSON-ready data: dataclasses, datetimes, bytes and timedeltas included."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, bytes):
        return value.decode("utf-8", "backslashreplace")
    return value
