"""A compensation that overruns its deadline, on a real PostgreSQL database, in the order a broker
outage produces: the gateway aborts a saga and the compensation deadline passes while the abort
and the participants' reports are held up; the late successes and the reports come afterwards.

The deadline makes the saga `compensation_failed` (for operators) but must not cancel the
deployment: nothing has been undone yet. Cancelling there made the chaos audit find a `cancelled`
deployment still holding its droplet, DNS record and inventory resource whenever the undo was
still on its way. The reports, whenever they arrive, settle the saga `compensated` and cancel it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from uuid import UUID

import asyncpg
import pytest

from arcadia_api.app import MIGRATIONS
from arcadia_api.deployments import commands
from arcadia_api.deployments.schemas import CreateDeployment
from arcadia_api.http.principal import Principal
from arcadia_api.saga import repository as sagas
from arcadia_api.saga.handlers import SagaReactions
from arcadia_api.saga.routes import ROUTES
from arcadia_api.saga.steps import SagaStatus
from arcadia_api.saga.timer import SagaDeadlines
from arcadia_contracts import Event, decode, envelope
from arcadia_contracts.events.billing import SubscriptionCompensated, SubscriptionReserved
from arcadia_contracts.events.deployments import CompensationFailed, DeploymentStateChanged
from arcadia_contracts.events.inventory import ResourceLinked, ResourceReleased
from arcadia_contracts.events.provisioner import (
    DnsPointed,
    DnsReverted,
    DropletActive,
    DropletCreated,
    DropletDestroyed,
)
from arcadia_platform.db import create_pool, migrate
from arcadia_platform.outbox import Outbox
from arcadia_platform.runtime import PLATFORM_MIGRATIONS
from arcadia_testing.gateway import settings_for_tests

TENANT = "acme"
DROPLET = 4242
# What the provisioner and inventory finished while the broker was down: the gateway hears it
# only after it gave up on the saga.
LATE_SUCCESSES: tuple[Event, ...] = (
    SubscriptionReserved(subscription_id="sub-1", plan_code="starter", plan_version=1),
    DropletCreated(droplet_id=DROPLET, name="shop", region="nyc3", size="s-1vcpu-1gb"),
    DropletActive(droplet_id=DROPLET, ip_address="203.0.113.7", region="nyc3", size="s"),
    ResourceLinked(resource_id="r-1"),
    DnsPointed(record_id=1, fqdn="shop.example.test", ip_address="203.0.113.7"),
)
UNDO_REPORTS: tuple[Event, ...] = (
    SubscriptionCompensated(subscription_id="sub-1"),
    DropletDestroyed(droplet_id=DROPLET),
    DnsReverted(record_id=1, fqdn="shop.example.test"),
    ResourceReleased(resource_id="r-1"),
)


@pytest.fixture
async def pool(database: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(database)
    try:
        await migrate(pool, [("platform", PLATFORM_MIGRATIONS), ("api", MIGRATIONS)])
        yield pool
    finally:
        await pool.close()


class Gateway:
    """The gateway's saga side on `pool`: its reactions, its deadline timer, its records."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self.reactions = SagaReactions(Outbox(), settings_for_tests())
        self.deadlines = SagaDeadlines(pool, Outbox(), settings_for_tests())

    async def provisioning(self) -> tuple[UUID, UUID]:
        """A deployment whose provisioning saga has just started: (deployment id, saga id)."""
        principal = Principal(sub="alice", tenant_id=TENANT, roles=frozenset())
        request = CreateDeployment(slug="shop", provision=True, plan_code="starter")
        async with self.pool.acquire() as conn, conn.transaction():
            created = await commands.create_deployment(conn, Outbox(), principal, request)
        assert created.saga_id is not None
        return created.deployment.id, created.saga_id

    async def overrun(self, saga_id: UUID) -> None:
        """Every deadline of the saga (its own, its running step's) passes; the timer ticks."""
        async with self.pool.acquire() as conn:
            await conn.execute(
                "UPDATE sagas SET deadline_at = now() - interval '1 second' WHERE id = $1", saga_id
            )
            await conn.execute(
                "UPDATE saga_steps SET deadline_at = now() - interval '1 second'"
                " WHERE saga_id = $1 AND status = 'running'",
                saga_id,
            )
        assert await self.deadlines.tick() == 1

    async def hears(self, deployment_id: UUID, saga_id: UUID, *payloads: Event) -> None:
        """Each event in its own inbox transaction, routed as saga/routes.py routes it."""
        for payload in payloads:
            event = envelope(
                payload,
                producer="test",
                tenant_id=TENANT,
                deployment_id=deployment_id,
                saga_id=saga_id,
            )
            reaction = next(r for _, kind, r in ROUTES if isinstance(payload, kind))
            async with self.pool.acquire() as conn, conn.transaction():
                await reaction(self.reactions, conn, event)

    async def state(self, deployment_id: UUID, saga_id: UUID) -> tuple[str, SagaStatus]:
        async with self.pool.acquire() as conn:
            state = await conn.fetchval(
                "SELECT state FROM deployments WHERE id = $1", deployment_id
            )
            saga = await sagas.get(conn, saga_id)
        assert saga is not None
        return state, saga.status

    async def published(self) -> list[str]:
        """The types of the events the gateway committed, a state change as `to:<state>`."""
        async with self.pool.acquire() as conn:
            rows = await conn.fetch("SELECT value FROM outbox ORDER BY id")
        events = [decode(bytes(row["value"])) for row in rows]
        return [
            f"to:{e.payload.to_state}" if isinstance(e.payload, DeploymentStateChanged) else e.type
            for e in events
        ]


async def test_an_overdue_compensation_leaves_the_deployment_until_the_undo_is_reported(
    pool: asyncpg.Pool,
) -> None:
    gateway = Gateway(pool)
    deployment_id, saga_id = await gateway.provisioning()

    await gateway.overrun(saga_id)  # the step deadline: the gateway aborts and announces it
    assert await gateway.state(deployment_id, saga_id) == ("provisioning", SagaStatus.COMPENSATING)
    assert "ProvisioningAborted" in await gateway.published()

    await gateway.overrun(saga_id)  # the compensation deadline, the abort still undelivered
    # Listed for operators, but the deployment is not said cancelled: nothing is undone yet.
    assert await gateway.state(deployment_id, saga_id) == (
        "provisioning",
        SagaStatus.COMPENSATION_FAILED,
    )
    assert "to:cancelled" not in await gateway.published()

    # The broker is back: what the participants did meanwhile is heard late and changes nothing.
    await gateway.hears(deployment_id, saga_id, *LATE_SUCCESSES)
    assert await gateway.state(deployment_id, saga_id) == (
        "provisioning",
        SagaStatus.COMPENSATION_FAILED,
    )

    # They undo it on hearing the abort and report; the last report settles the saga.
    await gateway.hears(deployment_id, saga_id, *UNDO_REPORTS[:-1])
    assert (await gateway.state(deployment_id, saga_id))[0] == "provisioning"
    await gateway.hears(deployment_id, saga_id, UNDO_REPORTS[-1])
    assert await gateway.state(deployment_id, saga_id) == ("cancelled", SagaStatus.COMPENSATED)
    assert (await gateway.published()).count("to:cancelled") == 1


async def test_an_undo_refused_after_the_deadline_still_cancels_the_deployment(
    pool: asyncpg.Pool,
) -> None:
    gateway = Gateway(pool)
    deployment_id, saga_id = await gateway.provisioning()
    await gateway.overrun(saga_id)
    await gateway.overrun(saga_id)

    # The provisioner gives up on its undo for good: nothing more will be undone.
    refused = CompensationFailed(step="compensate", reason="403 forbidden")
    await gateway.hears(deployment_id, saga_id, refused)

    assert await gateway.state(deployment_id, saga_id) == (
        "cancelled",
        SagaStatus.COMPENSATION_FAILED,
    )


async def test_a_stray_undo_failure_never_cancels_a_completed_deployment(
    pool: asyncpg.Pool,
) -> None:
    gateway = Gateway(pool)
    deployment_id, saga_id = await gateway.provisioning()
    await gateway.hears(deployment_id, saga_id, *LATE_SUCCESSES)
    assert await gateway.state(deployment_id, saga_id) == ("active", SagaStatus.COMPLETED)

    refused = CompensationFailed(step="compensate", reason="403 forbidden")
    await gateway.hears(deployment_id, saga_id, refused)

    # Cancelling here would leave the live droplet, record and resource behind, untorn-down.
    assert await gateway.state(deployment_id, saga_id) == ("active", SagaStatus.COMPLETED)
