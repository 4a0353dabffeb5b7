"""The deployments table through its repository, on a real PostgreSQL database."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from arcadia_api.app import MIGRATIONS
from arcadia_api.deployments.detail_read import read_detail
from arcadia_api.deployments.domain import Deployment, DeploymentState, LlmMode
from arcadia_api.deployments.repository import PostgresDeployments
from arcadia_api.saga import repository as sagas
from arcadia_api.saga.model import Saga
from arcadia_api.subscriptions.projection import subscription_of
from arcadia_platform.db import create_pool, migrate


async def add_deployment(
    deployments: PostgresDeployments,
    n: int,
    state: DeploymentState,
    template: tuple[str, str] | None = None,
) -> Deployment | None:
    return await deployments.add(
        deployment_id=uuid4(),
        tenant_id="acme",
        slug=f"app-{n}",
        display_name=f"App {n}",
        region="fra1",
        state=state,
        llm_mode=LlmMode.PLATFORM,
        template_code=template[0] if template else None,
        template_version=template[1] if template else None,
    )


async def test_a_new_deployment_is_created_and_updated_at_one_instant(database: str) -> None:
    # Two clock_timestamp() defaults once differed by 1 µs; many inserts make a regression show.
    pool = await create_pool(database)
    try:
        await migrate(pool, [("api", MIGRATIONS)])
        async with pool.acquire() as conn:
            deployments = PostgresDeployments(conn)
            created = [
                await add_deployment(deployments, i, DeploymentState.ACTIVE) for i in range(500)
            ]
            mismatched = await conn.fetchval(
                "SELECT count(*) FROM deployments WHERE created_at <> updated_at"
            )
    finally:
        await pool.close()
    assert all(d is not None and d.created_at == d.updated_at for d in created)
    assert mismatched == 0


async def _old_detail_reads(conn: Any, deployment_id: UUID, limit: int) -> tuple[Any, ...]:
    """The five separate reads the detail made before detail_read: the reference."""
    deployments = PostgresDeployments(conn)
    events, total = await deployments.latest_events(deployment_id, limit)
    return (
        await deployments.get(deployment_id),
        events,
        total,
        await sagas.of_deployment(conn, deployment_id),
        await subscription_of(conn, deployment_id),
    )


async def test_the_one_statement_detail_equals_the_separate_reads(database: str) -> None:
    pool = await create_pool(database)
    now = datetime.now(UTC)
    try:
        await migrate(pool, [("api", MIGRATIONS)])
        async with pool.acquire() as conn:
            deployments = PostgresDeployments(conn)
            ids = []
            for n in range(3):  # a busy one, one without events or sagas, a neighbour
                template = ("wp", "6.4") if n == 0 else None
                created = await add_deployment(
                    deployments, n, DeploymentState.PROVISIONING, template
                )
                assert created is not None
                ids.append(created.id)
            busy, bare, neighbour = ids
            for target in (busy, neighbour):
                for i in range(7):
                    await deployments.add_event(
                        target,
                        from_state=None if i == 0 else DeploymentState.ACTIVE,
                        to_state=DeploymentState.ACTIVE,
                        actor="system" if i % 2 else "tester",
                        reason=None if i % 3 else f"reason {i}",
                        event_id=uuid4(),
                    )
                timeouts = {"saga_timeout": timedelta(minutes=5), "step_timeout": timedelta(60)}
                provision = Saga.provision(uuid4(), target, "acme", now, **timeouts)
                provision.record_report("DropletDestroyed", now)
                provision.record_report("DnsReverted", now)
                provision.droplet_id = 4242
                await sagas.save(conn, provision)
                teardown = Saga.teardown(
                    uuid4(), target, "acme", now + timedelta(seconds=1), **timeouts
                )
                await sagas.save(conn, teardown)
            await conn.execute(
                "INSERT INTO subscription_views"
                " (deployment_id, subscription_id, revision, status, view, changed_at)"
                " VALUES ($1, $2, 1, 'active', $3::text::jsonb, now())",
                busy,
                uuid4(),
                json.dumps(subscription_view(busy)),
            )
            for target in (busy, bare):
                expected = await _old_detail_reads(conn, target, 5)
                found = await read_detail(conn, target, 5)
                assert found is not None
                assert (
                    found.deployment,
                    found.events,
                    found.events_total,
                    found.sagas,
                    found.subscription,
                ) == expected
            busy_detail = await read_detail(conn, busy, 5)
            assert await read_detail(conn, uuid4(), 5) is None
    finally:
        await pool.close()
    # What the comparison covered: a limited page of events, two sagas with their steps and
    # reports, a subscription; and the deployment without any of them.
    assert busy_detail is not None
    assert (len(busy_detail.events), busy_detail.events_total) == (5, 7)
    assert [len(s.steps) > 0 for s in busy_detail.sagas] == [True, True]
    assert busy_detail.sagas[0].reports == {"droplet", "dns"}
    assert busy_detail.subscription is not None


def subscription_view(deployment_id: UUID) -> dict[str, Any]:
    at = "2026-12-01T00:00:00Z"
    return {
        "subscription_id": str(uuid4()),
        "tenant_id": "acme",
        "deployment_id": str(deployment_id),
        "status": "active",
        "plan": {
            "plan_code": "starter",
            "version": 2,
            "monthly_price_cents": 1500,
            "currency": "USD",
            "droplet_size": "s-1vcpu-1gb",
            "trial_days": 0,
            "effective_from": at,
            "retired_at": None,
        },
        "addons": [
            {
                "line_id": str(uuid4()),
                "code": "backups",
                "unit_price_cents": 300,
                "currency": "USD",
                "quantity": 1,
                "monthly_cents": 300,
                "attached_at": at,
            }
        ],
        "monthly_total_cents": 1800,
        "currency": "USD",
        "current_period_start": at,
        "current_period_end": "2027-01-01T00:00:00Z",
        "trial_ends_at": None,
        "saga_id": None,
        "created_at": at,
        "activated_at": at,
        "cancelled_at": None,
    }
