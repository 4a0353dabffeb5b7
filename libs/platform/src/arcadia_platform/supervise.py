"""The supervisor of a service's background loops (relay, consumers, timers, purges), and the
bounds on stopping them."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from arcadia_platform.logs import get_logger

log = get_logger(__name__)

SUPERVISE_BACKOFF_MAX_S = 10.0


async def supervise(name: str, loop: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run a service loop forever: a crash is logged and the loop restarted after a pause.

    The pause doubles while the loop keeps crashing (e.g. through a long database outage) so that
    an outage costs a few log lines, not one stack trace a second; a loop that ran for a while
    before crashing starts again from the shortest pause.
    """
    pause = 1.0
    while True:
        started = asyncio.get_running_loop().time()
        try:
            await loop()
            return
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if asyncio.get_running_loop().time() - started > SUPERVISE_BACKOFF_MAX_S:
                pause = 1.0
            log.error(
                "service.loop_crashed", loop=name, error=repr(exc), retry_in_s=pause, exc_info=True
            )
            await asyncio.sleep(pause)
            pause = min(pause * 2, SUPERVISE_BACKOFF_MAX_S)


STOP_STEP_TIMEOUT_S = 10.0


async def bounded(
    step: str, work: Coroutine[Any, Any, Any], timeout_s: float = STOP_STEP_TIMEOUT_S
) -> bool:
    """Whether `work` finished within `timeout_s`; if not, it is cancelled and logged."""
    try:
        async with asyncio.timeout(timeout_s):
            await work
    except TimeoutError:
        log.error("service.stop_overran", step=step, timeout_s=timeout_s)
        return False
    return True


def task_names(tasks: set[asyncio.Task[Any]]) -> list[str]:
    return sorted(task.get_name() for task in tasks)
