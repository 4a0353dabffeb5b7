"""The time source: the system clock in production, a settable one in tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeAlias

# Beside app.py, not in domain/ (the domain is handed times, never reads one) nor adapters/:
# app.py picks the clock and hands it to commands and handlers alike.
Clock: TypeAlias = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


def file_clock(path: str) -> Clock:
    """Tests only (`clock_file`): the time written in `path`, else the system's. A whole-stack
    test moves billing's time by rewriting the file; a restarted billing reads the same time."""
    source = Path(path)

    def now() -> datetime:
        try:
            text = source.read_text().strip()
        except FileNotFoundError:
            return system_clock()
        return datetime.fromisoformat(text).astimezone(UTC) if text else system_clock()

    return now
