"""Idempotency-Key with Stripe's semantics, against the real gateway and database."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest

from arcadia_api.http.idempotency_store import PostgresIdempotencyKeys
from arcadia_testing.gateway import Gateway


def keyed(gw: Gateway, tenant: str, key: str) -> dict[str, str]:
    return {**gw.auth(tenant), "Idempotency-Key": key}


@pytest.fixture
async def gateway_db(gateway: Gateway) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(gateway.database_url)
    yield conn
    await conn.close()


async def count(client: httpx.AsyncClient, gw: Gateway, tenant: str) -> int:
    listed = await client.get("/api/v1/deployments", headers=gw.auth(tenant))
    return len(listed.json()["items"])


async def test_the_same_key_and_body_replays_the_first_answer(
    client: httpx.AsyncClient, gateway: Gateway, tenant: str
) -> None:
    key = str(uuid.uuid4())
    body = {"slug": "shop", "display_name": "Shop"}

    first = await client.post("/api/v1/deployments", json=body, headers=keyed(gateway, tenant, key))
    second = await client.post(
        "/api/v1/deployments", json=body, headers=keyed(gateway, tenant, key)
    )

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert await count(client, gateway, tenant) == 1
    detail = await client.get(
        f"/api/v1/deployments/{first.json()['id']}", headers=gateway.auth(tenant)
    )
    assert len(detail.json()["events"]) == 1


async def test_the_same_key_with_another_body_is_a_422(
    client: httpx.AsyncClient, gateway: Gateway, tenant: str
) -> None:
    key = str(uuid.uuid4())
    await client.post(
        "/api/v1/deployments", json={"slug": "a"}, headers=keyed(gateway, tenant, key)
    )

    other = await client.post(
        "/api/v1/deployments", json={"slug": "b"}, headers=keyed(gateway, tenant, key)
    )

    assert other.status_code == 422
    assert other.headers["content-type"] == "application/problem+json"
    assert other.json()["type"].endswith("/idempotency-key-reused")
    assert await count(client, gateway, tenant) == 1


async def test_keys_are_scoped_per_tenant(
    client: httpx.AsyncClient, gateway: Gateway, tenant: str
) -> None:
    key, other_tenant = str(uuid.uuid4()), f"{tenant}-other"
    body = {"slug": "shop"}
    mine = await client.post("/api/v1/deployments", json=body, headers=keyed(gateway, tenant, key))
    theirs = await client.post(
        "/api/v1/deployments", json=body, headers=keyed(gateway, other_tenant, key)
    )
    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["id"] != theirs.json()["id"]


async def test_a_refusal_is_replayed_too_and_does_not_come_true_later(
    client: httpx.AsyncClient, gateway: Gateway, tenant: str
) -> None:
    shop = (
        await client.post("/api/v1/deployments", json={"slug": "s"}, headers=gateway.auth(tenant))
    ).json()
    path, key = f"/api/v1/deployments/{shop['id']}/transition", str(uuid.uuid4())

    refused = await client.post(path, json={"to": "archived"}, headers=keyed(gateway, tenant, key))
    await client.post(path, json={"to": "cancelled"}, headers=gateway.auth(tenant))
    replayed = await client.post(path, json={"to": "archived"}, headers=keyed(gateway, tenant, key))

    assert refused.status_code == replayed.status_code == 422
    assert replayed.json() == refused.json()
    assert replayed.headers["idempotent-replayed"] == "true"


async def test_a_duplicate_while_the_first_is_in_flight_is_a_409(
    client: httpx.AsyncClient, gateway: Gateway, gateway_db: asyncpg.Connection, tenant: str
) -> None:
    key, body = str(uuid.uuid4()), {"slug": "shop"}
    async with gateway_db.transaction():
        # Hold the key exactly as an in-flight request's transaction does.
        assert await PostgresIdempotencyKeys(gateway_db, 60).try_lock(tenant, key)
        busy = await client.post(
            "/api/v1/deployments", json=body, headers=keyed(gateway, tenant, key)
        )
    after = await client.post("/api/v1/deployments", json=body, headers=keyed(gateway, tenant, key))

    assert busy.status_code == 409
    assert busy.json()["type"].endswith("/idempotency-key-in-flight")
    assert after.status_code == 201


async def test_concurrent_duplicates_create_exactly_one_deployment(
    client: httpx.AsyncClient, gateway: Gateway, tenant: str
) -> None:
    key, body = str(uuid.uuid4()), {"slug": "race"}
    responses = await asyncio.gather(
        *(
            client.post("/api/v1/deployments", json=body, headers=keyed(gateway, tenant, key))
            for _ in range(8)
        )
    )
    statuses = sorted(r.status_code for r in responses)
    assert set(statuses) <= {201, 409}, statuses
    created = {r.json()["id"] for r in responses if r.status_code == 201}
    assert len(created) == 1  # first answers and replays all name the same deployment
    assert await count(client, gateway, tenant) == 1


async def test_keys_expire_after_24_hours(
    client: httpx.AsyncClient, gateway: Gateway, gateway_db: asyncpg.Connection, tenant: str
) -> None:
    key = str(uuid.uuid4())
    await client.post(
        "/api/v1/deployments", json={"slug": "a"}, headers=keyed(gateway, tenant, key)
    )
    await gateway_db.execute(
        "UPDATE idempotency_keys SET created_at = created_at - interval '24 hours 1 second'"
        " WHERE tenant_id = $1 AND key = $2",
        tenant,
        key,
    )

    fresh = await client.post(
        "/api/v1/deployments", json={"slug": "b"}, headers=keyed(gateway, tenant, key)
    )

    assert fresh.status_code == 201
    assert "idempotent-replayed" not in fresh.headers
    assert await count(client, gateway, tenant) == 2
    stored: Any = await gateway_db.fetchval(
        "SELECT count(*) FROM idempotency_keys WHERE tenant_id = $1", tenant
    )
    assert stored == 1
