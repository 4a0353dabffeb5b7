"""The provider budget belongs to the token: instances that share it through the provisioner's
database together stay within the token's limit, which cloudsim enforces (real PostgreSQL).

The limits are scaled so that a few seconds show it: the token allows 20 requests a minute
(cloudsim, a sliding 60 s window), the provisioners' share is 16 (4/5 of it, as 200 of 250),
with a burst of 12. Two instances with a bucket each (today's behaviour before the shared
budget) send 2 x 12 at once and breach the limit; sharing the row, they send 12 and then one
request every 15 s between them.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator

import asyncpg
import pytest

from arcadia_cloudsim.admin import SimAdmin
from arcadia_cloudsim.config import SimConfig
from arcadia_cloudsim.embedded import running_cloudsim
from arcadia_platform.db import create_pool, migrate
from arcadia_platform.digitalocean import DigitalOceanClient, DigitalOceanConfig
from arcadia_platform.digitalocean.ratelimit import Limiter, TokenBucket
from arcadia_platform.runtime import PLATFORM_MIGRATIONS
from arcadia_provisioner.adapters.provider_budget import SharedProviderBudget
from arcadia_provisioner.app import MIGRATIONS

TOKEN = "the-token"
TOKEN_LIMIT = 20
SHARE = 16
BURST = 12
RUN_S = 4.0


@pytest.fixture(scope="module")
def sim_url() -> Iterator[str]:
    with running_cloudsim(SimConfig(requests_per_minute=TOKEN_LIMIT)) as url:
        yield url


@pytest.fixture
async def admin(sim_url: str) -> AsyncIterator[SimAdmin]:
    async with SimAdmin(sim_url, timeout_s=30) as sim_admin:
        await sim_admin.reset()
        yield sim_admin


@pytest.fixture
async def pools(database: str) -> AsyncIterator[list[asyncpg.Pool]]:
    """Two instances' own pools on one provisioner database."""
    first = await create_pool(database)
    second = await create_pool(database)
    try:
        await migrate(first, [("platform", PLATFORM_MIGRATIONS), ("provisioner", MIGRATIONS)])
        yield [first, second]
    finally:
        await first.close()
        await second.close()


def _shared(pool: asyncpg.Pool) -> Limiter:
    return SharedProviderBudget(lambda: pool, TOKEN, requests_per_minute=SHARE, burst=BURST)


async def _hammer(sim_url: str, limiters: list[Limiter]) -> float:
    """Each instance sends as fast as its limiter lets it, 10 callers each, for RUN_S."""
    # No waiting out 429s: a throttled request fails, and cloudsim counts the breach.
    config = DigitalOceanConfig(sim_url, TOKEN, max_rate_limit_waits=0, max_retries=0)
    clients = [DigitalOceanClient(config, limiter=limiter) for limiter in limiters]
    started = time.monotonic()

    async def caller(client: DigitalOceanClient) -> None:
        while True:
            try:
                await client.list_droplets_by_tag("saga:x")
            except Exception:  # a 429: counted by cloudsim, nothing to do here
                await asyncio.sleep(0.05)

    tasks = [asyncio.create_task(caller(c)) for c in clients for _ in range(10)]
    try:
        await asyncio.sleep(RUN_S)
    finally:
        for task in tasks:
            task.cancel()  # a caller waiting for its slot gives it up (unused)
        await asyncio.gather(*tasks, return_exceptions=True)
        for client in clients:
            await client.aclose()
    return time.monotonic() - started


async def test_two_instances_sharing_the_budget_stay_within_the_tokens_limit(
    sim_url: str, admin: SimAdmin, pools: list[asyncpg.Pool]
) -> None:
    elapsed = await _hammer(sim_url, [_shared(pool) for pool in pools])

    limit = (await admin.state())["rate_limit"]
    assert limit["breaches"] == {}
    sent = limit["requests"][TOKEN]
    # At most BURST at once, then (SHARE - BURST) a minute: together, not each.
    assert sent <= BURST + (SHARE - BURST) * elapsed / 60 + 1
    assert sent >= BURST  # and the budget is used, not starved


async def test_a_bucket_per_instance_breaches_the_tokens_limit(
    sim_url: str, admin: SimAdmin
) -> None:
    """The control: what two instances did before the budget was shared, as cloudsim sees it."""
    buckets: list[Limiter] = [
        TokenBucket.per_minute(SHARE, burst=BURST, clock=time.monotonic, sleep=asyncio.sleep)
        for _ in range(2)
    ]
    await _hammer(sim_url, buckets)

    limit = (await admin.state())["rate_limit"]
    assert limit["breaches"].get(TOKEN, 0) > 0
