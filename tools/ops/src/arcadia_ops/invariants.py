"""Invariant 6, "the services agree": `check` collects the views from the databases and the provider
and runs the pure check (`arcadia_platform.audit.invariants`). Every chaos test ends with it."""

from __future__ import annotations

from datetime import timedelta

from arcadia_ops.collect import collect
from arcadia_ops.views import Sources
from arcadia_platform.audit.invariants import (
    KINDS,
    Violation,
    find_violations,
    record_name,
)

__all__ = ["KINDS", "Sources", "Violation", "check", "find_violations", "record_name"]


async def check(
    sources: Sources, *, outbox_bound_s: float = 60.0, saga_grace_s: float = 5.0
) -> list[Violation]:
    """Collect every view from `sources` (read-only) and list what disagrees.

    `outbox_bound_s`: how old an unsent, unparked outbox row may be. `saga_grace_s`: how long
    past its deadline an open saga may still be (the gateway checks deadlines on a tick)."""
    world = await collect(sources)
    return find_violations(
        world,
        outbox_bound=timedelta(seconds=outbox_bound_s),
        saga_grace=timedelta(seconds=saga_grace_s),
    )
