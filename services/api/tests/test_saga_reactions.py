"""The api's saga reactions on a real PostgreSQL database: activation, and events without a saga."""

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
from arcadia_contracts import Envelope, Event, decode, envelope
from arcadia_contracts.events.billing import SubscriptionReserved
from arcadia_contracts.events.deployments import DeploymentActivated, ProvisioningAborted
from arcadia_contracts.events.inventory import ResourceLinked, ResourceRegistered
from arcadia_contracts.events.provisioner import DnsPointed, DropletActive, DropletCreated
from arcadia_platform.consumer import InvalidEventError
from arcadia_platform.db import create_pool, migrate
from arcadia_platform.outbox import Outbox
from arcadia_platform.runtime import PLATFORM_MIGRATIONS
from arcadia_platform.sagas import MISSING_SAGA_ID
from arcadia_testing.gateway import settings_for_tests

TENANT = "acme"
DROPLET = 4242


@pytest.fixture
async def pool(database: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(database)
    try:
        await migrate(pool, [("platform", PLATFORM_MIGRATIONS), ("api", MIGRATIONS)])
        yield pool
    finally:
        await pool.close()


async def provisioning(pool: asyncpg.Pool) -> tuple[UUID, UUID]:
    """A deployment whose provisioning saga has just started: (deployment id, saga id)."""
    principal = Principal(sub="alice", tenant_id=TENANT, roles=frozenset())
    request = CreateDeployment(slug="shop", provision=True, plan_code="starter")
    async with pool.acquire() as conn, conn.transaction():
        created = await commands.create_deployment(conn, Outbox(), principal, request)
    assert created.saga_id is not None
    return created.deployment.id, created.saga_id


def from_participant(payload: Event, deployment_id: UUID, saga_id: UUID | None) -> Envelope:
    return envelope(
        payload, producer="test", tenant_id=TENANT, deployment_id=deployment_id, saga_id=saga_id
    )


async def test_the_activation_names_the_droplet_the_provisioner_reported(
    pool: asyncpg.Pool,
) -> None:
    deployment_id, saga_id = await provisioning(pool)
    reactions = SagaReactions(Outbox(), settings_for_tests())
    successes: list[Event] = [
        SubscriptionReserved(subscription_id="sub-1", plan_code="starter", plan_version=1),
        DropletCreated(droplet_id=DROPLET, name="shop", region="nyc3", size="s-1vcpu-1gb"),
        DropletActive(droplet_id=DROPLET, ip_address="203.0.113.7", region="nyc3", size="s"),
        ResourceRegistered(
            resource_id="r-1", provider_id=str(DROPLET), kind="droplet", monthly_cost_cents=600
        ),
        ResourceLinked(resource_id="r-1"),
        # The last step: the event that activates carries the address, not the droplet.
        DnsPointed(record_id=1, fqdn="shop.example.test", ip_address="203.0.113.7"),
    ]
    for success in successes:
        async with pool.acquire() as conn, conn.transaction():
            await reactions.step_succeeded(conn, from_participant(success, deployment_id, saga_id))

    async with pool.acquire() as conn:
        saga = await sagas.get(conn, saga_id)
        values = await conn.fetch("SELECT value FROM outbox ORDER BY id")
    activations = [
        e.payload
        for e in map(decode, (bytes(v["value"]) for v in values))
        if isinstance(e.payload, DeploymentActivated)
    ]
    assert saga is not None
    assert saga.droplet_id == DROPLET
    assert activations == [DeploymentActivated(droplet_id=DROPLET, ip_address="203.0.113.7")]


@pytest.mark.parametrize(
    "payload",
    [
        DropletCreated(droplet_id=DROPLET, name="shop", region="nyc3", size="s-1vcpu-1gb"),
        ProvisioningAborted(failed_step="create_droplet", reason="quota"),
    ],
)
async def test_a_saga_event_without_a_saga_id_is_refused_for_the_dead_letters(
    pool: asyncpg.Pool, payload: Event
) -> None:
    deployment_id, saga_id = await provisioning(pool)
    reactions = SagaReactions(Outbox(), settings_for_tests())
    react = (
        reactions.aborted if isinstance(payload, ProvisioningAborted) else reactions.step_succeeded
    )

    async with pool.acquire() as conn:
        with pytest.raises(InvalidEventError) as refused:
            async with conn.transaction():
                await react(conn, from_participant(payload, deployment_id, None))
        saga = await sagas.get(conn, saga_id)

    assert refused.value.reason == MISSING_SAGA_ID
    assert saga is not None
    assert saga.droplet_id is None  # the refused DropletCreated left nothing behind
    assert saga.failed_step is None  # nor did the refused abort
