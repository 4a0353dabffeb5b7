"""Every service rides out a 60 s Kafka outage and a 60 s PostgreSQL outage, then catches up.

On a private broker and server (the shared pair is never touched): sagas are started before,
during and after the outage. Meanwhile every process stays alive, answers /health, and says
not-ready on /ready; the gateway turns requests that need the database away with a 503 problem
carrying Retry-After. Afterwards every saga ends and the services agree.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from arcadia_ops.invariants import check
from arcadia_testing.plugin import eventually
from arcadia_testing.private_infra import PrivateInfra
from arcadia_testing.stack import SERVICES, TERMINAL, Stack, drop_stack
from tests.chaos.conftest import chaos_stack

OUTAGE_S = 60.0
# Sagas the load starts per second (before, during and after an outage).
PACE_S = 1.0
# Sagas started at once just before the kill, so that many are mid-way when it happens.
BURST = 20


@pytest.fixture(scope="module")
async def stack(
    private_infra: PrivateInfra, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Stack]:
    """One control plane for both outages (a fresh one costs time, not rigour: the second
    outage starts from whatever the first left, and must cope with it too)."""
    running = await chaos_stack(private_infra, tmp_path_factory.mktemp("outage-logs"))
    try:
        yield running
    finally:
        await drop_stack(private_infra.infra, running)


@dataclass
class Load:
    """Starts a provisioning saga every PACE_S on the gateway until stopped, and keeps what the
    gateway answered: the sagas it accepted and the 503s it refused with (anything else fails)."""

    stack: Stack
    client: httpx.AsyncClient
    accepted: list[str] = field(default_factory=list)  # saga ids
    refused: list[httpx.Response] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self.one()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), PACE_S)

    async def burst(self, count: int) -> None:
        """`count` sagas at once: many are mid-way when the dependency dies."""
        await asyncio.gather(*(self.one() for _ in range(count)))

    async def accepted_at_least(self, count: int) -> None:
        async def enough() -> bool:
            return len(self.accepted) >= count

        await eventually(enough, timeout_s=60, interval_s=0.2)

    async def one(self) -> None:
        tenant = f"outage-{len(self.accepted) % 5}"
        body = {
            "slug": f"o-{uuid.uuid4().hex[:10]}",
            "provision": True,
            "region": "fra1",
            "size": "s-1vcpu-1gb",
            "plan_code": "studio",
        }
        try:
            response = await self.client.post(
                f"{self.stack.api}/api/v1/deployments", json=body, headers=self.stack.auth(tenant)
            )
        except httpx.HTTPError as exc:
            self.unexpected.append(repr(exc))
            return
        if response.status_code == 202:
            self.accepted.append(response.json()["saga_id"])
        elif response.status_code == 503:
            self.refused.append(response)
        else:
            self.unexpected.append(f"{response.status_code} {response.text[:300]}")


@contextlib.asynccontextmanager
async def loading(stack: Stack, client: httpx.AsyncClient) -> AsyncIterator[Load]:
    load = Load(stack, client)
    stop = asyncio.Event()
    task = asyncio.create_task(load.run(stop))
    try:
        yield load
    finally:
        stop.set()
        await task


@contextlib.contextmanager
def restarted_on_failure(start: Callable[[], None]) -> Iterator[None]:
    """If the test fails mid-outage, the killed dependency is started again for the next one."""
    try:
        yield
    except BaseException:
        with contextlib.suppress(Exception):
            start()
        raise


def assert_all_alive(stack: Stack) -> None:
    for name, proc in stack.processes.items():
        assert proc.proc is not None, name
        assert proc.proc.poll() is None, f"{name} exited:\n{proc.output()[-3000:]}"


async def readiness(stack: Stack, client: httpx.AsyncClient) -> dict[str, int]:
    """The /ready status of every service process."""
    found: dict[str, int] = {}
    for name in stack.processes:
        if name != "cloudsim":
            found[name] = (await client.get(f"{stack.url(name)}/ready")).status_code
    return found


async def all_ready_is(stack: Stack, client: httpx.AsyncClient, status: int) -> bool:
    return set((await readiness(stack, client)).values()) == {status}


async def ride_out(
    stack: Stack, client: httpx.AsyncClient, *, during: Callable[[], Any] | None = None
) -> None:
    """Hold the outage for OUTAGE_S: processes alive, /health 200 and /ready 503 throughout."""
    await eventually(lambda: all_ready_is(stack, client, 503), timeout_s=30, interval_s=0.5)
    ends = time.monotonic() + OUTAGE_S
    while time.monotonic() < ends:
        assert_all_alive(stack)
        for name in stack.processes:
            if name != "cloudsim":
                assert (await client.get(f"{stack.url(name)}/health")).status_code == 200, name
        assert await readiness(stack, client) == dict.fromkeys(SERVICES, 503)
        if during is not None:
            await during()
        await asyncio.sleep(2)  # pacing the probes, not waiting for a condition
    assert_all_alive(stack)


async def all_sagas_ended(stack: Stack, started: list[str]) -> bool:
    """Every saga in the gateway's database (also one whose 202 was lost) has ended, and its
    deployment has settled."""
    rows = await stack.rows(
        "api",
        "SELECT s.id::text AS id, s.status, d.state FROM sagas s"
        " JOIN deployments d ON d.id = s.deployment_id",
    )
    by_id = {row["id"]: row for row in rows}
    if any(saga_id not in by_id for saga_id in started):
        return False
    return all(
        row["status"] in TERMINAL and row["state"] in ("active", "cancelled") for row in rows
    )


async def test_every_service_rides_out_a_kafka_outage(
    stack: Stack, private_infra: PrivateInfra
) -> None:
    async with httpx.AsyncClient(timeout=30) as client, loading(stack, client) as load:
        await load.accepted_at_least(3)
        burst = asyncio.create_task(load.burst(BURST))
        await load.accepted_at_least(3 + BURST // 4)  # the dependency dies mid-burst
        with restarted_on_failure(private_infra.start_kafka):
            await asyncio.to_thread(private_infra.kill9_kafka)
            await burst
            accepted_before = len(load.accepted)
            await ride_out(stack, client)
            # The gateway needs only its database to accept a saga: it went on accepting.
            assert len(load.accepted) > accepted_before
            await asyncio.to_thread(private_infra.start_kafka)
        await eventually(lambda: all_ready_is(stack, client, 200), timeout_s=90, interval_s=1)
        accepted_after = len(load.accepted)
        await load.accepted_at_least(accepted_after + 3)

    assert load.unexpected == []
    assert load.refused == []
    await eventually(lambda: all_sagas_ended(stack, load.accepted), timeout_s=180, interval_s=1)
    await eventually(stack.quiescent, timeout_s=60, interval_s=0.5)
    assert_all_alive(stack)
    assert await check(stack.sources()) == []


async def test_every_service_rides_out_a_postgres_outage(
    stack: Stack, private_infra: PrivateInfra
) -> None:
    async with httpx.AsyncClient(timeout=30) as client, loading(stack, client) as load:
        await load.accepted_at_least(3)
        burst = asyncio.create_task(load.burst(BURST))
        await load.accepted_at_least(3 + BURST // 4)  # the dependency dies mid-burst
        with restarted_on_failure(private_infra.start_postgres):
            await asyncio.to_thread(private_infra.kill9_postgres)
            await burst
            await ride_out(stack, client)
            refusals = len(load.refused)
            await asyncio.to_thread(private_infra.start_postgres)
        await eventually(lambda: all_ready_is(stack, client, 200), timeout_s=90, interval_s=1)
        accepted_after = len(load.accepted)
        await load.accepted_at_least(accepted_after + 3)

    assert load.unexpected == []
    # Every write during the outage was turned away with a 503 problem saying when to retry.
    assert refusals >= OUTAGE_S / PACE_S / 2
    for response in load.refused:
        assert response.headers["content-type"].startswith("application/problem+json")
        assert int(response.headers["retry-after"]) > 0
        problem = response.json()
        assert problem["status"] == 503
        assert problem["type"].endswith("/database-unavailable")
    await eventually(lambda: all_sagas_ended(stack, load.accepted), timeout_s=180, interval_s=1)
    await eventually(stack.quiescent, timeout_s=60, interval_s=0.5)
    assert_all_alive(stack)
    assert await check(stack.sources()) == []
