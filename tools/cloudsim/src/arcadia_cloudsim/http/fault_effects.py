"""What an injected fault does to one HTTP exchange: fail before the work, or hang after it."""

from __future__ import annotations

import asyncio
import time

from arcadia_cloudsim.errors import ApiError
from arcadia_cloudsim.faults import Fault, FaultKind
from arcadia_cloudsim.simulator import Simulator


def fail_if_status_fault(fault: Fault | None, rate_headers: dict[str, str]) -> None:
    """An HTTP-status fault answers before any work is done, so nothing changes."""
    if fault is None or fault.kind is not FaultKind.STATUS:
        return
    headers: dict[str, str] = {}
    if fault.status == 429:
        headers = {
            **rate_headers,
            "ratelimit-remaining": "0",
            "retry-after": str(fault.retry_after_s),
        }
    raise ApiError(fault.status, fault.message, headers=headers)


# How often a hanging request checks whether it was released early.
_HANG_TICK_S = 0.05


async def hang_if_timeout(fault: Fault | None, sim: Simulator) -> None:
    """A timeout fault hangs after the work is done: the caller cannot tell whether it happened.

    Only this request's task sleeps; the server keeps answering everyone else. A reset or a
    shutdown of the simulator ends the hang early, so nothing is left waiting.
    """
    if fault is None or fault.kind is not FaultKind.TIMEOUT:
        return
    generation = sim.hang_generation
    deadline = time.monotonic() + fault.hang_ms / 1000
    while sim.hang_generation == generation:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return
        await asyncio.sleep(min(_HANG_TICK_S, remaining))
