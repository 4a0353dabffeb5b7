"""Shortly before pytest-timeout fails a test, print the stack of every asyncio task.

pytest-timeout dumps threads only. The suite runs every async test in one session-wide event
loop, so on a hang the main thread shows nothing but the selector, and the coroutine that waits
for ever stays unnamed. This report names it, on the failed test's captured stderr.
"""

from __future__ import annotations

import asyncio
import gc
import sys
import threading
from collections.abc import Iterator

import pytest

# How long before pytest-timeout's own deadline the report is printed.
REPORT_LEAD_S = 20.0


def _running_loops() -> list[asyncio.AbstractEventLoop]:
    return [
        obj
        for obj in gc.get_objects()
        if isinstance(obj, asyncio.AbstractEventLoop) and obj.is_running()
    ]


def _print_tasks(name: str) -> None:
    """Runs inside the loop: every task's stack, to stderr."""
    tasks = asyncio.all_tasks()
    print(f"\n=== asyncio tasks of {name} still running: {len(tasks)} ===", file=sys.stderr)
    for task in tasks:
        print(f"--- {task.get_name()}", file=sys.stderr)
        for line in _await_chain(task.get_coro()):
            print(f"    {line}", file=sys.stderr)


def _await_chain(coro: object) -> Iterator[str]:
    """Where a suspended coroutine waits, down its chain of awaits (a task's own stack shows
    only its outermost frame)."""
    depth = 0
    while coro is not None and depth < 60:
        frame = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None)
        if frame is not None:
            yield f"{frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}"
        else:
            yield repr(coro)
        coro = getattr(coro, "cr_await", None) or getattr(coro, "gi_yieldfrom", None)
        depth += 1


def _report(name: str) -> None:
    for loop in _running_loops():
        done = threading.Event()
        loop.call_soon_threadsafe(_print_then_set, name, done)
        done.wait(5.0)


def _print_then_set(name: str, done: threading.Event) -> None:
    try:
        _print_tasks(name)
    finally:
        done.set()


def _timeout_of(item: pytest.Item) -> float:
    marker = item.get_closest_marker("timeout")
    if marker is not None and marker.args:
        return float(marker.args[0])
    value = item.config.getini("timeout")
    return float(value) if value else 0.0


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    timeout_s = _timeout_of(item)
    timer: threading.Timer | None = None
    if timeout_s > REPORT_LEAD_S * 2:
        timer = threading.Timer(timeout_s - REPORT_LEAD_S, _report, args=(item.nodeid,))
        timer.daemon = True
        timer.start()
    try:
        yield
    finally:
        if timer is not None:
            timer.cancel()
