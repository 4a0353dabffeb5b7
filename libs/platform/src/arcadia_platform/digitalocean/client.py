"""DigitalOceanClient: the droplet and record calls over one rate-limited, retrying transport."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from types import TracebackType

import httpx

from arcadia_platform.backoff import Backoff
from arcadia_platform.digitalocean.config import DigitalOceanConfig
from arcadia_platform.digitalocean.droplets import DropletCalls
from arcadia_platform.digitalocean.ratelimit import Limiter, TokenBucket
from arcadia_platform.digitalocean.records import RecordCalls
from arcadia_platform.digitalocean.transport import Transport


class DigitalOceanClient(DropletCalls, RecordCalls):
    """Speaks DigitalOcean API v2 over httpx; use `async with` or call `aclose()`.

    `sleep`, `clock`, `wall_clock` and `jitter` are there for tests (see FakeTime in
    libs/platform/tests/digitalocean/fake_time.py). `limiter` replaces the in-process bucket
    (e.g. a budget shared by every instance that uses the token); `requests_per_minute` None
    and no `limiter`: no client-side limit.
    """

    def __init__(
        self,
        config: DigitalOceanConfig,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        jitter: Callable[[], float] = random.random,
        transport: httpx.AsyncBaseTransport | None = None,
        limiter: Limiter | None = None,
    ) -> None:
        self._config = config
        self._sleep = sleep
        self._clock = clock
        self._backoff = Backoff(config.backoff_base_s, config.backoff_max_s, jitter)
        self._http = httpx.AsyncClient(
            base_url=config.base_url.rstrip("/"),
            headers={
                "Authorization": f"Bearer {config.token}",
                "User-Agent": config.user_agent,
                "Accept": "application/json",
            },
            timeout=config.timeout_s,
            transport=transport,
        )
        limiter = limiter or (
            TokenBucket.per_minute(
                config.requests_per_minute, burst=config.burst, clock=clock, sleep=sleep
            )
            if config.requests_per_minute
            else None
        )
        self._api = Transport(
            self._http,
            limiter=limiter,
            backoff=self._backoff,
            max_retries=config.max_retries,
            max_rate_limit_waits=config.max_rate_limit_waits,
            max_retry_after_s=config.max_retry_after_s,
            sleep=sleep,
            wall_clock=wall_clock,
        )

    async def __aenter__(self) -> DigitalOceanClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()
