"""Saga step 2 over real Kafka: reserve, refuse, compensate, and an abort heard first."""

from __future__ import annotations

import uuid
from uuid import UUID

import pytest

from arcadia_contracts import Envelope, topics
from arcadia_contracts.events.billing import (
    SubscriptionCompensated,
    SubscriptionReserved,
)
from arcadia_contracts.events.deployments import (
    AddonRequest,
    DeploymentActivated,
    DeploymentProvisioningRequested,
    ProvisioningAborted,
)
from arcadia_contracts.events.platform import TenantStandingChanged
from services.billing.tests.support import BillingStack, again, event, ids


def request(
    tenant: str,
    deployment: UUID,
    saga: UUID,
    plan: str | None = "studio_pro",
    addons: tuple[tuple[str, int], ...] = (("storage_50gb", 3),),
) -> Envelope:
    return event(
        DeploymentProvisioningRequested(
            slug="shop",
            region="nyc3",
            size="s-1vcpu-1gb",
            plan_code=plan,
            addons=tuple(AddonRequest(code=code, quantity=n) for code, n in addons),
        ),
        tenant_id=tenant,
        deployment_id=deployment,
        saga_id=saga,
    )


def abort(tenant: str, deployment: UUID, saga: UUID, producer: str) -> Envelope:
    return event(
        ProvisioningAborted(failed_step="create_droplet", reason="droplet quota exceeded"),
        tenant_id=tenant,
        deployment_id=deployment,
        saga_id=saga,
        producer=producer,
    )


async def test_a_provisioning_request_reserves_a_pending_subscription_with_snapshots(
    billing: BillingStack,
) -> None:
    tenant, deployment = ids()
    saga = uuid.uuid4()
    asked = request(tenant, deployment, saga)

    await billing.deliver(topics.DEPLOYMENTS, asked)

    subscription = await billing.subscription(tenant, deployment)
    assert subscription is not None
    assert subscription["status"] == "pending"
    assert subscription["saga_id"] == str(saga)
    assert subscription["current_period_start"] is None
    assert (subscription["plan"]["plan_code"], subscription["plan"]["version"]) == ("studio_pro", 1)
    assert [(a["code"], a["unit_price_cents"], a["quantity"]) for a in subscription["addons"]] == [
        ("storage_50gb", 750, 3)
    ]
    (reserved,) = await billing.published(deployment, 1)
    assert reserved.payload == SubscriptionReserved(
        subscription_id=subscription["subscription_id"],
        plan_code="studio_pro",
        plan_version=1,
        droplet_size="s-2vcpu-4gb",  # the plan decides the hardware
    )
    assert reserved.producer == "billing"
    assert (reserved.saga_id, reserved.correlation_id) == (saga, asked.correlation_id)
    assert reserved.causation_id == asked.event_id

    before = await billing.snapshot(tenant)
    await billing.redeliver(topics.DEPLOYMENTS, asked)  # the same event id
    await billing.deliver(topics.DEPLOYMENTS, again(asked))  # the same request, a new event id
    assert await billing.snapshot(tenant) == before


async def test_a_request_without_a_plan_reserves_the_default_studio_plan(
    billing: BillingStack,
) -> None:
    tenant, deployment = ids()

    await billing.deliver(topics.DEPLOYMENTS, request(tenant, deployment, uuid.uuid4(), None, ()))

    subscription = await billing.subscription(tenant, deployment)
    assert subscription is not None
    assert subscription["plan"]["plan_code"] == "studio"
    assert subscription["addons"] == []


async def retired_plan(billing: BillingStack) -> str:
    code = f"old_{uuid.uuid4().hex[:8]}"
    body = {
        "code": code,
        "name": "Old",
        "monthly_price_cents": 100,
        "droplet_size": "s",
        "actor": "op",
    }
    assert (await billing.post("/plans", body)).status_code == 201
    retired = await billing.post(f"/plans/{code}/versions/1/retire", {"actor": "op"})
    assert retired.status_code == 200
    return code


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("unknown_plan", "unknown_plan: "),
        ("unknown_addon", "unknown_addon: "),
        ("retired_plan", "plan_retired: "),
        ("bad_standing", "tenant_bad_standing: "),
    ],
)
async def test_a_refused_reservation_aborts_the_saga_and_reserves_nothing(
    billing: BillingStack, case: str, reason: str
) -> None:
    tenant, deployment = ids()
    saga = uuid.uuid4()
    plan, addons = "studio", (("storage_50gb", 1),)
    if case == "unknown_plan":
        plan = "platinum"
    elif case == "unknown_addon":
        addons = (("gpu_h100", 1),)
    elif case == "retired_plan":
        plan = await retired_plan(billing)
    else:
        standing = event(TenantStandingChanged(standing="bad"), tenant_id=tenant)
        await billing.deliver(topics.TENANTS, standing)
    asked = request(tenant, deployment, saga, plan, addons)

    await billing.deliver(topics.DEPLOYMENTS, asked)

    assert await billing.subscription(tenant, deployment) is None
    aborted = (await billing.published(deployment, 1))[0]
    assert isinstance(aborted.payload, ProvisioningAborted)
    assert aborted.payload.failed_step == "reserve_subscription"
    assert aborted.payload.reason.startswith(reason)
    assert (aborted.saga_id, aborted.causation_id) == (saga, asked.event_id)
    # Billing hears its own abort too (it listens on every topic): nothing to undo, but it
    # reports, once, like every participant, so that the api can close the saga.
    await billing.handled(aborted)
    before = await billing.snapshot(tenant)
    await billing.redeliver(topics.DEPLOYMENTS, asked)
    await billing.deliver(topics.DEPLOYMENTS, again(asked))
    await billing.redeliver(topics.BILLING, aborted)
    assert await billing.snapshot(tenant) == before
    outbox = await billing.outbox(deployment)
    assert [e.type for e in outbox] == ["ProvisioningAborted", "SubscriptionCompensated"]
    assert isinstance(outbox[1].payload, SubscriptionCompensated)
    assert outbox[1].payload.subscription_id is None


async def test_an_abort_cancels_the_reservation_and_says_so_once(billing: BillingStack) -> None:
    tenant, deployment = ids()
    saga = uuid.uuid4()
    await billing.deliver(topics.DEPLOYMENTS, request(tenant, deployment, saga))
    stop = abort(tenant, deployment, saga, producer="provisioner")

    await billing.deliver(topics.PROVISIONER, stop)

    subscription = await billing.subscription(tenant, deployment)
    assert subscription is not None
    assert subscription["status"] == "cancelled"
    _, compensated = await billing.published(deployment, 2)
    assert compensated.payload == SubscriptionCompensated(
        subscription_id=subscription["subscription_id"]
    )
    assert (compensated.saga_id, compensated.causation_id) == (saga, stop.event_id)

    before = await billing.snapshot(tenant)
    await billing.redeliver(topics.PROVISIONER, stop)
    # Another participant announces the same abort; then a success arrives too late.
    await billing.deliver(topics.INVENTORY, abort(tenant, deployment, saga, producer="inventory"))
    late = event(DeploymentActivated(), tenant_id=tenant, deployment_id=deployment, saga_id=saga)
    await billing.deliver(topics.DEPLOYMENTS, late)
    assert await billing.snapshot(tenant) == before


async def test_an_abort_heard_before_the_request_means_the_step_is_never_done(
    billing: BillingStack,
) -> None:
    """DESIGN invariant 4: topics are not ordered relative to each other."""
    tenant, deployment = ids()
    saga = uuid.uuid4()
    early = abort(tenant, deployment, saga, producer="inventory")

    await billing.deliver(topics.INVENTORY, early)
    assert await billing.outbox(deployment) == []  # remembered, nothing to undo yet
    asked = request(tenant, deployment, saga)
    await billing.deliver(topics.DEPLOYMENTS, asked)

    assert await billing.subscription(tenant, deployment) is None
    assert (
        await billing.fetchval(
            "SELECT count(*) FROM subscriptions WHERE deployment_id = $1", deployment
        )
        == 0
    )
    (compensated,) = await billing.published(deployment, 1)
    assert compensated.payload == SubscriptionCompensated(subscription_id=None)
    assert compensated.saga_id == saga

    before = await billing.snapshot(tenant)
    await billing.redeliver(topics.INVENTORY, early)
    await billing.redeliver(topics.DEPLOYMENTS, asked)
    await billing.deliver(topics.DEPLOYMENTS, again(asked))
    assert await billing.snapshot(tenant) == before
