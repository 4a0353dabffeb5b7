"""The billing cycle's and the platform's moves on a real PostgreSQL database: a trial ends,
dunning suspends and lifts, a tenant is suspended and reinstated; each move is the system's."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from uuid import UUID

import asyncpg
import pytest

from arcadia_api.app import MIGRATIONS
from arcadia_api.deployments import commands
from arcadia_api.deployments.domain import DeploymentState
from arcadia_api.deployments.repository import PostgresDeployments
from arcadia_api.deployments.schemas import CreateDeployment
from arcadia_api.http.principal import Principal
from arcadia_api.saga.handlers import SagaReactions
from arcadia_contracts import Envelope, Event, envelope
from arcadia_contracts.events.billing import (
    SubscriptionPastDue,
    SubscriptionReactivated,
    SubscriptionSuspended,
    SubscriptionTrialEnded,
)
from arcadia_contracts.events.platform import TenantReinstated, TenantSuspended
from arcadia_platform.db import create_pool, migrate
from arcadia_platform.outbox import Outbox
from arcadia_platform.runtime import PLATFORM_MIGRATIONS
from arcadia_testing.gateway import settings_for_tests

S = DeploymentState


@pytest.fixture
async def pool(database: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(database)
    try:
        await migrate(pool, [("platform", PLATFORM_MIGRATIONS), ("api", MIGRATIONS)])
        yield pool
    finally:
        await pool.close()


@pytest.fixture
def reactions() -> SagaReactions:
    return SagaReactions(Outbox(), settings_for_tests())


async def created(pool: asyncpg.Pool, tenant: str, *, trial: bool = False) -> UUID:
    principal = Principal(sub="alice", tenant_id=tenant, roles=frozenset())
    request = CreateDeployment(slug=f"d{uuid.uuid4().hex[:8]}", trial=trial)
    async with pool.acquire() as conn, conn.transaction():
        made = await commands.create_deployment(conn, Outbox(), principal, request)
    return made.deployment.id


async def hear(
    pool: asyncpg.Pool, handler: object, payload: Event, tenant: str, deployment: UUID | None
) -> None:
    event: Envelope = envelope(payload, producer="test", tenant_id=tenant, deployment_id=deployment)
    async with pool.acquire() as conn, conn.transaction():
        await handler(conn, event)  # type: ignore[operator]


async def state(pool: asyncpg.Pool, deployment_id: UUID) -> tuple[S, str, str | None]:
    """The deployment's state and its last recorded move's actor and reason."""
    async with pool.acquire() as conn:
        found = await PostgresDeployments(conn).get(deployment_id)
        last = await conn.fetchrow(
            "SELECT actor, reason FROM deployment_events WHERE deployment_id = $1"
            " ORDER BY id DESC LIMIT 1",
            deployment_id,
        )
    assert found is not None
    assert last is not None
    return found.state, last["actor"], last["reason"]


async def set_state(pool: asyncpg.Pool, deployment_id: UUID, to: S) -> None:
    async with pool.acquire() as conn:
        await PostgresDeployments(conn).set_state(deployment_id, to)


async def test_a_trial_ends_as_active_and_nothing_else_moves(
    pool: asyncpg.Pool, reactions: SagaReactions
) -> None:
    trial = await created(pool, "t1", trial=True)
    active = await created(pool, "t1")
    await set_state(pool, active, S.PAUSED)
    ended = SubscriptionTrialEnded(subscription_id="s", trial_ended_at="2026-01-04T00:00:00Z")

    await hear(pool, reactions.trial_ended, ended, "t1", trial)
    await hear(pool, reactions.trial_ended, ended, "t1", active)

    assert await state(pool, trial) == (S.ACTIVE, "system", "trial ended")
    assert (await state(pool, active))[0] is S.PAUSED


async def test_dunning_suspends_after_past_due_and_a_payment_brings_it_back(
    pool: asyncpg.Pool, reactions: SagaReactions
) -> None:
    deployment = await created(pool, "t2")
    await hear(
        pool,
        reactions.past_due,
        SubscriptionPastDue(subscription_id="s", reason="declined"),
        "t2",
        deployment,
    )
    assert (await state(pool, deployment))[:2] == (S.PAST_DUE, "system")

    await hear(
        pool,
        reactions.dunning_suspended,
        SubscriptionSuspended(subscription_id="s", reason="grace over"),
        "t2",
        deployment,
    )
    moved = await state(pool, deployment)
    assert moved[:2] == (S.SUSPENDED, "system")
    assert "dunning" in (moved[2] or "")

    await hear(
        pool,
        reactions.dunning_over,
        SubscriptionReactivated(subscription_id="s", reason="payment received"),
        "t2",
        deployment,
    )
    assert await state(pool, deployment) == (S.ACTIVE, "system", "payment received")


async def test_a_payment_never_lifts_an_operators_suspension_nor_moves_an_overridden_one(
    pool: asyncpg.Pool, reactions: SagaReactions
) -> None:
    by_operator = await created(pool, "t3")
    await set_state(pool, by_operator, S.SUSPENDED)
    overridden = await created(pool, "t3")
    async with pool.acquire() as conn:
        await PostgresDeployments(conn).set_billing_action_suspended(overridden, True)
    await set_state(pool, overridden, S.PAST_DUE)
    paid = SubscriptionReactivated(subscription_id="s", reason="payment received")
    grace_over = SubscriptionSuspended(subscription_id="s", reason="grace over")

    await hear(pool, reactions.dunning_over, paid, "t3", by_operator)
    await hear(pool, reactions.dunning_suspended, grace_over, "t3", overridden)

    assert (await state(pool, by_operator))[0] is S.SUSPENDED
    assert (await state(pool, overridden))[0] is S.PAST_DUE


async def test_a_tenant_suspended_then_reinstated_gets_each_deployment_back_as_it_was(
    pool: asyncpg.Pool, reactions: SagaReactions
) -> None:
    tenant = f"t-{uuid.uuid4().hex[:6]}"
    active = await created(pool, tenant)
    trial = await created(pool, tenant, trial=True)
    paused = await created(pool, tenant)
    await set_state(pool, paused, S.PAUSED)
    overridden = await created(pool, tenant)
    async with pool.acquire() as conn:
        await PostgresDeployments(conn).set_billing_action_suspended(overridden, True)
    other_tenant = await created(pool, "someone-else")
    suspended = TenantSuspended(reason="terms of service")

    await hear(pool, reactions.tenant_suspended, suspended, tenant, None)
    await hear(pool, reactions.tenant_suspended, suspended, tenant, None)  # heard again

    for deployment in (active, trial, paused):
        assert (await state(pool, deployment))[:2] == (S.SUSPENDED, "system")
    assert (await state(pool, overridden))[0] is S.ACTIVE
    assert (await state(pool, other_tenant))[0] is S.ACTIVE

    await hear(pool, reactions.tenant_reinstated, TenantReinstated(), tenant, None)

    assert (await state(pool, active))[:2] == (S.ACTIVE, "system")
    assert (await state(pool, trial))[:2] == (S.TRIAL, "system")
    assert (await state(pool, paused))[:2] == (S.PAUSED, "system")
    async with pool.acquire() as conn:
        moves = await conn.fetchval(
            "SELECT count(*) FROM deployment_events WHERE deployment_id = $1 AND actor = 'system'",
            active,
        )
    assert moves == 2  # suspended once (the second event changed nothing), reinstated once


async def test_a_failed_payment_never_moves_a_suspended_deployment(
    pool: asyncpg.Pool, reactions: SagaReactions
) -> None:
    """The table lets the system take `suspended` to `past_due` (a tenant reinstated); a failed
    payment is not that, and leaves an operator's suspension alone."""
    deployment = await created(pool, "t4")
    await set_state(pool, deployment, S.SUSPENDED)
    failed = SubscriptionPastDue(subscription_id="s", reason="declined")

    await hear(pool, reactions.past_due, failed, "t4", deployment)

    assert (await state(pool, deployment))[0] is S.SUSPENDED
