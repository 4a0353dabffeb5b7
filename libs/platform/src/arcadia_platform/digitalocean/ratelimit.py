"""A token bucket that keeps us under DigitalOcean's requests-per-minute limit."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Protocol

from arcadia_platform.metrics import PROVIDER_RATE_LIMIT_WAIT

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class Limiter(Protocol):
    """Waits until one more request may start (the in-process bucket, or a shared one)."""

    async def acquire(self) -> None: ...


def emission(requests_per_minute: int, burst: int) -> tuple[float, float]:
    """(seconds between starts, burst tolerance in seconds) of a limiter that never lets more
    than `requests_per_minute` start in any 60 s window: `burst` at once, then the rest evenly
    (burst + (60 / interval) == requests_per_minute)."""
    if not 1 <= burst < requests_per_minute:
        raise ValueError("burst must be at least 1 and below requests_per_minute")
    interval = 60 / (requests_per_minute - burst)
    return interval, (burst - 1) * interval


class TokenBucket:
    """Holds at most `capacity` tokens, refilled at `rate_per_s`; each request takes one.

    In any window of T seconds at most `capacity + rate_per_s * T` requests start.
    """

    def __init__(self, *, rate_per_s: float, capacity: float, clock: Clock, sleep: Sleep) -> None:
        if rate_per_s <= 0 or capacity < 1:
            raise ValueError("a token bucket needs a positive rate and room for one token")
        self._rate = rate_per_s
        self._capacity = capacity
        self._clock = clock
        self._sleep = sleep
        self._tokens = capacity
        self._updated = clock()
        # One waiter at a time: callers are served in arrival order, none starves.
        self._lock = asyncio.Lock()

    @classmethod
    def per_minute(
        cls, requests_per_minute: int, *, burst: int, clock: Clock, sleep: Sleep
    ) -> TokenBucket:
        """A bucket that never lets more than `requests_per_minute` start in any 60 s window."""
        if not 1 <= burst < requests_per_minute:
            raise ValueError("burst must be at least 1 and below requests_per_minute")
        # burst + rate * 60 == requests_per_minute: even a full bucket cannot overshoot.
        return cls(
            rate_per_s=(requests_per_minute - burst) / 60,
            capacity=burst,
            clock=clock,
            sleep=sleep,
        )

    async def acquire(self) -> None:
        async with self._lock:
            self._refill()
            if self._tokens < 1:
                wait = (1 - self._tokens) / self._rate
                PROVIDER_RATE_LIMIT_WAIT.labels("limiter").inc(wait)
                await self._sleep(wait)
                self._refill()
            self._tokens -= 1

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self._capacity, self._tokens + (now - self._updated) * self._rate)
        self._updated = now
