"""The time source: the system clock in production, a settable one in tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeAlias

# Beside app.py, not in domain/ (the domain is handed times, never reads one) nor adapters/:
# app.py picks the clock and hands it to commands and handlers alike.
Clock: TypeAlias = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)
