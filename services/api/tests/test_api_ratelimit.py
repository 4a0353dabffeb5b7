"""Per-tenant write limits: the token bucket alone, then a gateway that answers 429."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import asyncpg
import httpx
import pytest

from arcadia_api.http.ratelimit import TokenBuckets
from arcadia_testing.gateway import Gateway, start_gateway
from arcadia_testing.plugin import Infra, ServiceProcess, unique


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_allows_its_burst_then_says_how_long_to_wait() -> None:
    clock = FakeClock()
    buckets = TokenBuckets(rate=2.0, burst=3, clock=clock)
    assert [buckets.take("acme") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert buckets.take("acme") == pytest.approx(0.5)
    assert buckets.take("globex") == 0.0  # every tenant has its own bucket
    clock.now += 0.5
    assert buckets.take("acme") == 0.0
    assert buckets.take("acme") > 0


def test_a_bucket_refills_only_up_to_its_burst() -> None:
    clock = FakeClock()
    buckets = TokenBuckets(rate=10.0, burst=2, clock=clock)
    clock.now += 3600
    assert [buckets.take("acme") == 0.0 for _ in range(3)] == [True, True, False]


@pytest.fixture
async def limited_gateway(
    infra: Infra, processes: Callable[..., ServiceProcess], namespace: str
) -> AsyncIterator[Gateway]:
    name = unique("api")
    admin = await asyncpg.connect(infra.database_url("postgres"))
    await admin.execute(f"CREATE DATABASE {name}")
    try:
        yield await start_gateway(
            processes,
            database_url=infra.database_url(name),
            namespace=namespace,
            kafka=infra.kafka,
            # A burst of 3 writes, then one every 100 s: the fourth write is surely refused.
            extra_env={"ARCADIA_API_WRITE_BURST": "3", "ARCADIA_API_WRITE_RATE_PER_S": "0.01"},
        )
    finally:
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await admin.close()


async def test_a_tenant_over_its_write_rate_gets_429_with_retry_after(
    limited_gateway: Gateway,
) -> None:
    gw = limited_gateway
    async with httpx.AsyncClient(base_url=gw.url, timeout=30) as client:
        writes = [
            await client.post(
                "/api/v1/deployments", json={"slug": f"w{i}"}, headers=gw.auth("acme")
            )
            for i in range(4)
        ]
        reads = await client.get("/api/v1/deployments", headers=gw.auth("acme"))
        other = await client.post(
            "/api/v1/deployments", json={"slug": "w0"}, headers=gw.auth("globex")
        )

    assert [w.status_code for w in writes] == [201, 201, 201, 429]
    refused = writes[-1]
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["type"].endswith("/rate-limited")
    assert int(refused.headers["retry-after"]) >= 1
    assert reads.status_code == 200  # reads are not limited
    assert len(reads.json()["items"]) == 3  # the refused write did nothing
    assert other.status_code == 201  # another tenant is not held back


async def test_every_write_documents_its_429(limited_gateway: Gateway) -> None:
    async with httpx.AsyncClient(base_url=limited_gateway.url, timeout=30) as client:
        paths = (await client.get("/schema/openapi.json")).json()["paths"]
    writes = [op for item in paths.values() for m, op in item.items() if m in ("post", "put")]
    assert writes
    assert all("429" in op["responses"] for op in writes)
    reads = [op for item in paths.values() for m, op in item.items() if m == "get"]
    assert not any("429" in op["responses"] for op in reads)
