"""A plan change holds no row lock and no pooled connection while billing answers: ten slow plan
changes on one deployment starve nothing (a gateway with a pool of 4, real PostgreSQL and Kafka,
and a billing that holds every plan change until the test lets it go)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx
import pytest

from arcadia_contracts import decode, topics
from arcadia_platform.topicnames import TopicNames
from arcadia_platform.topics_admin import ensure_topics
from arcadia_testing.gateway import Gateway, start_gateway
from arcadia_testing.plugin import Infra, ServiceProcess, eventually, read_topic, unique
from arcadia_testing.upstreams import fresh_databases

VERSION = {
    "plan_code": "studio_pro",
    "version": 1,
    "monthly_price_cents": 5900,
    "currency": "USD",
    "droplet_size": "s-2vcpu-4gb",
    "trial_days": 0,
    "effective_from": "2020-01-01T00:00:00Z",
    "retired_at": None,
}


def plan_change(deployment_id: str, tenant: str) -> dict[str, Any]:
    subscription = {
        "subscription_id": "00000000-0000-0000-0000-000000000001",
        "tenant_id": tenant,
        "deployment_id": deployment_id,
        "status": "active",
        "plan": VERSION,
        "addons": [],
        "monthly_total_cents": 5900,
        "currency": "USD",
        "current_period_start": None,
        "current_period_end": None,
        "trial_ends_at": None,
        "saga_id": None,
        "created_at": "2026-12-01T00:00:00Z",
        "activated_at": None,
        "cancelled_at": None,
    }
    proration = {
        "remaining_days": 0,
        "month_days": 31,
        "credit_cents": 0,
        "charge_cents": 0,
        "net_cents": 0,
        "currency": "USD",
    }
    return {
        "changed": True,
        "previous_plan": VERSION,
        "proration": proration,
        "subscription": subscription,
    }


@dataclass
class SlowBilling:
    """Answers every plan change once `release` is set; counts the calls it is holding."""

    release: asyncio.Event = field(default_factory=asyncio.Event)
    held: int = 0
    url: str = ""

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode()
        length = next(
            (
                int(h.split(":")[1])
                for h in head.split("\r\n")
                if h.lower().startswith("content-length")
            ),
            0,
        )
        body = json.loads(await reader.readexactly(length)) if length else {}
        path = head.split(" ")[1]
        status, answer = 404, {"type": "about:blank", "status": 404, "code": "not_found"}
        if path.endswith("/subscription/plan"):
            self.held += 1
            await self.release.wait()
            status, answer = 200, plan_change(path.split("/")[4], body["tenant_id"])
        data = json.dumps(answer).encode()
        writer.write(
            f"HTTP/1.1 {status} X\r\ncontent-type: application/json\r\n"
            f"content-length: {len(data)}\r\nconnection: close\r\n\r\n".encode()
            + data
        )
        await writer.drain()
        writer.close()


@pytest.fixture
async def billing() -> AsyncIterator[SlowBilling]:
    slow = SlowBilling()
    server = await asyncio.start_server(slow.serve, "127.0.0.1", 0)
    slow.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    yield slow
    slow.release.set()
    server.close()


@pytest.fixture
async def small_gateway(
    infra: Infra,
    session_processes: Callable[..., ServiceProcess],
    billing: SlowBilling,
) -> AsyncIterator[Gateway]:
    async with fresh_databases(infra, "api") as databases:
        gateway = await start_gateway(
            session_processes,
            database_url=databases["api"],
            namespace=unique("npool").replace("_", ""),
            kafka=infra.kafka,
            billing_url=billing.url,
            extra_env={
                "ARCADIA_API_DB_POOL_MAX": "4",
                "ARCADIA_API_DB_ACQUIRE_TIMEOUT_S": "2",
                "ARCADIA_API_UPSTREAM_TIMEOUT_S": "30",
            },
        )
        yield gateway
        gateway.process.stop()


async def test_ten_slow_plan_changes_on_one_deployment_starve_nothing(
    infra: Infra, small_gateway: Gateway, billing: SlowBilling
) -> None:
    gw, tenant = small_gateway, unique("busy")
    await ensure_topics(infra.kafka, namespace=gw.namespace)
    async with httpx.AsyncClient(base_url=f"{gw.url}/api/v1", timeout=40) as api:
        created = await api.post("/deployments", json={"slug": "shop"}, headers=gw.auth(tenant))
        assert created.status_code == 201, created.text
        deployment_id = created.json()["id"]
        path = f"/deployments/{deployment_id}/plan"

        async def change(i: int) -> httpx.Response:
            key = {"Idempotency-Key": f"k{i}"} if i % 2 else {}
            body = {"plan_code": "studio_pro"}
            return await api.post(path, json=body, headers=gw.auth(tenant) | key)

        changes = [asyncio.create_task(change(i)) for i in range(10)]

        async def all_held() -> bool:
            return billing.held == 10

        await eventually(all_held, timeout_s=20)

        # All ten are out at billing. The pool (4) is free and the deployment's row is not
        # locked: a read, a lifecycle change of the same deployment and a create all answer
        # at once, and the relay publishes what they wrote.
        idle_in_tx = await _idle_in_transaction(gw.database_url)
        listed = await asyncio.wait_for(api.get("/deployments", headers=gw.auth(tenant)), 3)
        paused = await asyncio.wait_for(
            api.post(
                f"/deployments/{deployment_id}/transition",
                json={"to": "paused"},
                headers=gw.auth(tenant),
            ),
            3,
        )
        another = await asyncio.wait_for(
            api.post("/deployments", json={"slug": "other"}, headers=gw.auth(tenant)), 3
        )
        twin = await change(1)  # the same Idempotency-Key while the first is still out
        assert idle_in_tx == 0
        assert twin.status_code == 409, twin.text
        assert twin.json()["type"].endswith("/idempotency-key-in-flight")
        assert (listed.status_code, paused.status_code, another.status_code) == (200, 200, 201)
        topic = TopicNames(gw.namespace).physical(topics.DEPLOYMENTS)

        async def published() -> bool:
            events = [decode(r.value) for r in await read_topic(gw.kafka, topic)]
            return any(str(e.deployment_id) == another.json()["id"] for e in events)

        assert await eventually(published, timeout_s=10)
        assert billing.held == 10  # still all out at billing
        assert not billing.release.is_set()

        billing.release.set()
        answers = await asyncio.gather(*changes)
        replayed = await change(1)
    assert [a.status_code for a in answers] == [200] * 10, [a.text for a in answers]
    assert replayed.headers.get("Idempotent-Replayed") == "true"
    assert replayed.json() == answers[1].json()


async def _idle_in_transaction(database_url: str) -> int:
    conn = await asyncpg.connect(database_url)
    try:
        name = await conn.fetchval("SELECT current_database()")
        count: int = await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = $1"
            " AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()",
            name,
        )
        return count
    finally:
        await conn.close()
