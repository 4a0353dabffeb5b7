"""The gateway's read model of billing's subscriptions on a real PostgreSQL database: a replayed
event changes nothing, an older revision never replaces a newer one, a malformed view is refused
(the consumer retries it, then dead-letters it), and the detail reads the model."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

import asyncpg
import httpx
import msgspec
import pytest

from arcadia_api.app import MIGRATIONS
from arcadia_api.deployments import commands, queries
from arcadia_api.deployments.schemas import CreateDeployment
from arcadia_api.http.principal import Principal
from arcadia_api.subscriptions.projection import project_subscription, subscription_of
from arcadia_contracts import Envelope, envelope
from arcadia_contracts.events.billing import SubscriptionChanged, SubscriptionView
from arcadia_platform.db import create_pool, migrate
from arcadia_platform.outbox import Outbox
from arcadia_platform.runtime import PLATFORM_MIGRATIONS
from arcadia_testing.gateway import Gateway
from arcadia_testing.plugin import eventually, publish


@pytest.fixture
async def pool(database: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(database)
    try:
        await migrate(pool, [("platform", PLATFORM_MIGRATIONS), ("api", MIGRATIONS)])
        yield pool
    finally:
        await pool.close()


def view(
    deployment_id: UUID, subscription_id: UUID, status: str, plan: str, tenant: str
) -> dict[str, Any]:
    """A subscription as billing's internal API writes it."""
    at = "2026-01-02T03:04:05Z"
    return {
        "subscription_id": str(subscription_id),
        "tenant_id": tenant,
        "deployment_id": str(deployment_id),
        "status": status,
        "plan": {
            "plan_code": plan,
            "version": 1,
            "monthly_price_cents": 1900,
            "currency": "USD",
            "droplet_size": "s-1vcpu-1gb",
            "trial_days": 0,
            "effective_from": at,
            "retired_at": None,
        },
        "addons": [],
        "monthly_total_cents": 1900,
        "currency": "USD",
        "current_period_start": None,
        "current_period_end": None,
        "trial_ends_at": None,
        "saga_id": None,
        "created_at": at,
        "activated_at": None,
        "cancelled_at": None,
    }


def changed(
    deployment_id: UUID, revision: int, status: str, plan: str = "studio", tenant: str = "acme"
) -> Envelope:
    subscription_id = uuid.UUID(int=deployment_id.int ^ 1)
    payload = SubscriptionChanged(
        subscription_id=str(subscription_id),
        revision=revision,
        status=status,
        view=msgspec.convert(
            view(deployment_id, subscription_id, status, plan, tenant), SubscriptionView
        ),
    )
    return envelope(payload, producer="billing", tenant_id=tenant, deployment_id=deployment_id)


async def apply(pool: asyncpg.Pool, *events: Envelope) -> None:
    for event in events:
        async with pool.acquire() as conn, conn.transaction():
            await project_subscription(conn, event)


async def seen(pool: asyncpg.Pool, deployment_id: UUID) -> tuple[str, str] | None:
    async with pool.acquire() as conn:
        found = await subscription_of(conn, deployment_id)
    return None if found is None else (found.status, found.plan.plan_code)


async def test_a_replay_and_a_late_older_revision_change_nothing(pool: asyncpg.Pool) -> None:
    deployment = uuid.uuid4()
    pending, active = changed(deployment, 10, "pending"), changed(deployment, 11, "active")
    moved = changed(deployment, 12, "active", plan="studio_pro")

    await apply(pool, active)
    await apply(pool, pending)  # delivered late: older
    assert await seen(pool, deployment) == ("active", "studio")
    await apply(pool, moved, active, moved, pending)  # replayed in any order
    assert await seen(pool, deployment) == ("active", "studio_pro")
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT revision FROM subscription_views")
    assert [r["revision"] for r in rows] == [12]


async def test_none_until_billing_announces_one(pool: asyncpg.Pool) -> None:
    assert await seen(pool, uuid.uuid4()) is None


async def test_a_malformed_view_is_refused_and_nothing_is_written(pool: asyncpg.Pool) -> None:
    deployment = uuid.uuid4()
    good = changed(deployment, 1, "active")
    bad_view = msgspec.structs.replace(good.payload.view, created_at="yesterday")  # type: ignore[attr-defined]
    payload = msgspec.structs.replace(good.payload, view=bad_view)
    bad = msgspec.structs.replace(good, payload=payload)
    with pytest.raises(msgspec.ValidationError):
        await apply(pool, bad)
    assert await seen(pool, deployment) is None


async def test_the_detail_reads_the_read_model(pool: asyncpg.Pool) -> None:
    principal = Principal(sub="alice", tenant_id="acme", roles=frozenset())
    request = CreateDeployment(slug=f"d{uuid.uuid4().hex[:8]}")
    async with pool.acquire() as conn, conn.transaction():
        made = await commands.create_deployment(conn, Outbox(), principal, request)
    deployment = made.deployment.id
    await apply(pool, changed(deployment, 3, "active", plan="studio_pro"))

    async with pool.acquire() as conn:
        detail = await queries.deployment_detail(conn, principal, deployment, events_limit=5)

    assert detail.subscription is not None
    assert (detail.subscription.status, detail.subscription.plan.plan_code) == (
        "active",
        "studio_pro",
    )
    assert detail.subscription_error is None


async def test_billing_down_the_detail_answers_from_the_model_fed_through_kafka(
    client: httpx.AsyncClient, gateway: Gateway, tenant: str
) -> None:
    """The session gateway's billing is a closed port: the detail still shows the subscription
    its read model heard of on arcadia.billing.v1 (the newest revision, whatever the order)."""
    created = await client.post(
        "/api/v1/deployments", json={"slug": "shop"}, headers=gateway.auth(tenant)
    )
    assert created.status_code == 201, created.text
    deployment = UUID(created.json()["id"])
    newest = changed(deployment, 7, "past_due", plan="studio_pro", tenant=tenant)
    older = changed(deployment, 6, "active", tenant=tenant)
    topic = f"{gateway.namespace}.arcadia.billing.v1"

    await publish(gateway.kafka, topic, newest, older, newest)

    async def shown() -> Any:
        detail = await client.get(f"/api/v1/deployments/{deployment}", headers=gateway.auth(tenant))
        assert detail.status_code == 200, detail.text
        return detail.json()["subscription"]

    # Wait until the gateway's inbox holds both events: the late older one was consumed too.
    conn = await asyncpg.connect(gateway.database_url)
    try:

        async def consumed() -> bool:
            ids = [newest.event_id, older.event_id]
            n = await conn.fetchval("SELECT count(*) FROM inbox WHERE event_id = ANY($1)", ids)
            return bool(n == 2)

        assert await eventually(consumed, timeout_s=20)
    finally:
        await conn.close()
    subscription = await shown()
    assert (subscription["status"], subscription["plan"]["plan_code"]) == ("past_due", "studio_pro")
    assert subscription == msgspec.to_builtins(newest.payload.view)  # type: ignore[attr-defined]
