"""Options and helpers shared by the command groups."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer

from arcadia_ops.places import SERVICES, Places

ServiceOption = Annotated[
    str | None,
    typer.Option("--service", help=f"one of {', '.join(SERVICES)}"),
]


def places() -> Places:
    return Places()


def check_service(service: str | None) -> None:
    if service is not None and service not in SERVICES:
        from arcadia_ops.cli.output import fail

        fail(f"unknown service {service!r}; one of {', '.join(SERVICES)}")


DURATION = re.compile(r"(\d+(?:\.\d+)?)([smhd])")
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(value: str) -> timedelta:
    from arcadia_ops.cli.output import fail

    found = DURATION.fullmatch(value.strip())
    if not found:
        fail(f"{value!r} is not a duration (30s, 15m, 2h, 1d)")
    return timedelta(seconds=float(found.group(1)) * UNITS[found.group(2)])


def parse_since(value: str | None, now: datetime | None = None) -> datetime | None:
    """A moment: a duration ago (30s, 15m, 2h, 1d) or an ISO timestamp (UTC unless it says)."""
    if value is None:
        return None
    if DURATION.fullmatch(value.strip()):
        return (now or datetime.now(UTC)) - parse_duration(value)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        from arcadia_ops.cli.output import fail

        fail(f"--since {value!r}: give a duration (30s, 15m, 2h, 1d) or an ISO timestamp")
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
