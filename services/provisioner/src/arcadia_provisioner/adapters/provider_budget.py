"""The provider's request budget in PostgreSQL, shared by every instance that uses the token.

DigitalOcean's limit belongs to the token, not to a process: two provisioner instances each with
its own in-process bucket would together send twice the limit. Here the budget is one row per
token (a SHA-256 of it), and each request takes its slot with a single statement:

    new tat = max(tat, now()) + interval;  start at new tat - interval - tolerance

(the generic cell rate algorithm: `interval` between starts, `burst` at once, so at most
`requests_per_minute` start in any 60 s, see arcadia_platform.digitalocean.ratelimit.emission).
The slot is reserved at once and the caller sleeps until it comes, so callers are served in the
order they asked, across instances, with one short row lock per request and no polling. The
database's clock is the only clock, so instances need no synchronised clocks. A caller cancelled
while it waits leaves its slot unused: the budget errs on the side of sending less.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable

import asyncpg

from arcadia_platform.digitalocean.ratelimit import emission
from arcadia_platform.metrics import PROVIDER_RATE_LIMIT_WAIT

_TAKE = """
INSERT INTO provider_budget AS b (token_key, tat)
VALUES ($1, now() + make_interval(secs => $2))
ON CONFLICT (token_key) DO UPDATE
    SET tat = greatest(b.tat, now()) + make_interval(secs => $2)
RETURNING extract(epoch FROM b.tat - now())::float8 - $2 - $3
"""


def token_key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class SharedProviderBudget:
    """A Limiter (arcadia_platform.digitalocean.ratelimit) over the provider_budget table."""

    def __init__(
        self,
        pool: Callable[[], asyncpg.Pool],
        token: str,
        *,
        requests_per_minute: int,
        burst: int,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._pool = pool
        self._key = token_key(token)
        self._interval, self._tolerance = emission(requests_per_minute, burst)
        self._sleep = sleep

    async def reserve(self) -> float:
        """Take the next slot; the seconds until it comes (0 when it is now)."""
        async with self._pool().acquire() as conn:
            wait: float = await conn.fetchval(_TAKE, self._key, self._interval, self._tolerance)
        return max(0.0, wait)

    async def acquire(self) -> None:
        wait = await self.reserve()
        if wait > 0:
            PROVIDER_RATE_LIMIT_WAIT.labels("limiter").inc(wait)
            await self._sleep(wait)
