"""A manual clock whose sleep advances it: deterministic tests of waits, backoff and rate limits."""

from __future__ import annotations

import asyncio


class FakeTime:
    """Pass `clock`, `sleep` and `wall_clock` to the client; `sleeps` records every wait asked."""

    def __init__(self, start: float = 1_000_000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def wall_clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(0.0, seconds)
        # Still yield, so concurrent tasks interleave as they would with a real sleep.
        await asyncio.sleep(0)
