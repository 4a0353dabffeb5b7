"""A per-tenant limit on writes: a token bucket per tenant, answered with 429 and Retry-After.

Per gateway instance and in memory: N instances allow N times the rate. That is enough to keep
one tenant from filling the connection pool that every tenant's requests share; a global limit
would belong in front of the gateways.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from arcadia_api.http.principal import Principal
from arcadia_platform.problems import ProblemError

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass
class _Bucket:
    tokens: float
    updated: float


@dataclass
class TokenBuckets:
    """`rate` tokens per second up to `burst`, one bucket per key; idle buckets are forgotten."""

    rate: float
    burst: int
    clock: Callable[[], float] = time.monotonic
    _buckets: dict[str, _Bucket] = field(default_factory=dict)

    def take(self, key: str) -> float:
        """0 when a token was taken; otherwise the seconds until one will be there."""
        now = self.clock()
        bucket = self._buckets.get(key) or _Bucket(float(self.burst), now)
        bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        self._buckets[key] = bucket
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        if len(self._buckets) > 10_000:
            self._forget_full(now)
        return (1.0 - bucket.tokens) / self.rate

    def _forget_full(self, now: float) -> None:
        full_after = self.burst / self.rate
        for key in [k for k, b in self._buckets.items() if now - b.updated > full_after]:
            del self._buckets[key]


class TenantWriteLimit:
    """A Litestar guard: each tenant's writes draw from its bucket; reads are never limited."""

    def __init__(self, buckets: TokenBuckets) -> None:
        self._buckets = buckets

    async def __call__(  # async: Litestar would run a sync guard in a worker thread
        self, connection: ASGIConnection[Any, Principal, Any, Any], _: BaseRouteHandler
    ) -> None:
        if connection.scope.get("method") not in WRITE_METHODS:
            return
        wait = self._buckets.take(connection.user.tenant_id)
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            raise ProblemError(
                429,
                f"Too many writes for this tenant; retry in {seconds} s",
                slug="rate-limited",
                headers={"Retry-After": str(seconds)},
            )
