"""The subscription follows its deployment over real Kafka: activation, pause, cancellation."""

from __future__ import annotations

import uuid
from uuid import UUID

from arcadia_contracts import Envelope, topics
from arcadia_contracts.events.billing import SubscriptionActivated, SubscriptionCancelled
from arcadia_contracts.events.deployments import (
    DeploymentActivated,
    DeploymentProvisioningRequested,
    DeploymentStateChanged,
    DeploymentTeardownRequested,
)
from services.billing.tests.support import BillingStack, again, event, ids


def moved(tenant: str, deployment: UUID, from_state: str | None, to_state: str) -> Envelope:
    return event(
        DeploymentStateChanged(from_state=from_state, to_state=to_state, actor="user-1"),
        tenant_id=tenant,
        deployment_id=deployment,
    )


async def subscribed(billing: BillingStack, tenant: str, deployment: UUID) -> str:
    body = {
        "tenant_id": tenant,
        "deployment_id": str(deployment),
        "plan_code": "studio",
        "actor": "u",
    }
    response = await billing.post("/subscriptions", body)
    assert response.status_code == 201, response.text
    subscription_id: str = response.json()["subscription_id"]
    return subscription_id


async def status(billing: BillingStack, tenant: str, deployment: UUID) -> str:
    found = await billing.subscription(tenant, deployment)
    assert found is not None
    value: str = found["status"]
    return value


async def test_activation_starts_the_period_and_is_announced_once(billing: BillingStack) -> None:
    tenant, deployment = ids()
    saga = uuid.uuid4()
    asked = event(
        DeploymentProvisioningRequested(slug="s", region="nyc3", size="s-1vcpu-1gb"),
        tenant_id=tenant,
        deployment_id=deployment,
        saga_id=saga,
    )
    await billing.deliver(topics.DEPLOYMENTS, asked)
    live = event(
        DeploymentActivated(droplet_id=7, ip_address="203.0.113.7"),
        tenant_id=tenant,
        deployment_id=deployment,
        saga_id=saga,
    )

    await billing.deliver(topics.DEPLOYMENTS, live)

    subscription = await billing.subscription(tenant, deployment)
    assert subscription is not None
    assert subscription["status"] == "active"
    started = subscription["current_period_start"]
    assert started == live.occurred_at.isoformat().replace("+00:00", "Z")
    assert subscription["current_period_end"].endswith("-01T00:00:00Z")
    _, activated = await billing.published(deployment, 2)
    assert activated.payload == SubscriptionActivated(
        subscription_id=subscription["subscription_id"]
    )
    assert (activated.saga_id, activated.causation_id) == (saga, live.event_id)

    before = await billing.snapshot(tenant)
    await billing.redeliver(topics.DEPLOYMENTS, asked, live)
    await billing.deliver(topics.DEPLOYMENTS, again(live))
    assert await billing.snapshot(tenant) == before


async def test_pause_resume_and_cancel_follow_the_deployment(billing: BillingStack) -> None:
    tenant, deployment = ids()
    subscription_id = await subscribed(billing, tenant, deployment)
    history = [
        (moved(tenant, deployment, "active", "paused"), "paused"),
        (moved(tenant, deployment, "paused", "active"), "active"),
        (moved(tenant, deployment, "active", "suspended"), "paused"),
        (moved(tenant, deployment, "suspended", "active"), "active"),
        (moved(tenant, deployment, "active", "cancelled"), "cancelled"),
        (moved(tenant, deployment, "cancelled", "archived"), "cancelled"),
    ]

    for change, expected in history:
        await billing.deliver(topics.DEPLOYMENTS, change)
        assert await status(billing, tenant, deployment) == expected

    events = [e.payload for e in await billing.outbox(deployment)]
    assert events == [
        SubscriptionActivated(subscription_id=subscription_id),  # subscribed via the API
        SubscriptionCancelled(subscription_id=subscription_id),  # once, though archived too
    ]
    state = await billing.fetchval(
        "SELECT state FROM deployments WHERE deployment_id = $1", deployment
    )
    assert state == "archived"

    before = await billing.snapshot(tenant)
    await billing.redeliver(topics.DEPLOYMENTS, *(change for change, _ in history))
    await billing.deliver(topics.DEPLOYMENTS, again(history[-2][0]))
    assert await billing.snapshot(tenant) == before


async def test_a_teardown_cancels_the_subscription(billing: BillingStack) -> None:
    tenant, deployment = ids()
    subscription_id = await subscribed(billing, tenant, deployment)
    teardown = event(
        DeploymentTeardownRequested(to_state="cancelled"),
        tenant_id=tenant,
        deployment_id=deployment,
    )

    await billing.deliver(topics.DEPLOYMENTS, teardown)

    assert await status(billing, tenant, deployment) == "cancelled"
    cancelled = await billing.published(deployment, 2)
    assert cancelled[-1].payload == SubscriptionCancelled(subscription_id=subscription_id)
    before = await billing.snapshot(tenant)
    await billing.redeliver(topics.DEPLOYMENTS, teardown)
    await billing.deliver(topics.DEPLOYMENTS, again(teardown))
    assert await billing.snapshot(tenant) == before


async def test_events_about_another_tenants_deployment_change_nothing(
    billing: BillingStack,
) -> None:
    tenant, deployment = ids()
    intruder, _ = ids()
    await subscribed(billing, tenant, deployment)

    await billing.deliver(topics.DEPLOYMENTS, moved(intruder, deployment, "active", "cancelled"))

    assert await status(billing, tenant, deployment) == "active"


async def test_a_stale_pause_sent_again_after_the_resume_does_not_pause_again(
    billing: BillingStack,
) -> None:
    tenant, deployment = ids()
    await subscribed(billing, tenant, deployment)
    pause = moved(tenant, deployment, "active", "paused")
    resume = moved(tenant, deployment, "paused", "active")
    await billing.deliver(topics.DEPLOYMENTS, pause, resume)

    await billing.deliver(topics.DEPLOYMENTS, again(pause))  # same fact, new id, after the resume

    assert await status(billing, tenant, deployment) == "active"


async def test_a_deployment_billing_heard_cancelled_cannot_be_subscribed_again(
    billing: BillingStack,
) -> None:
    # The gateway asks billing without holding its deployment row, so a subscribe may arrive
    # after the cancel it raced with: billing orders the two itself.
    tenant, deployment = ids()
    await billing.deliver(topics.DEPLOYMENTS, moved(tenant, deployment, "active", "cancelled"))
    body = {"tenant_id": tenant, "deployment_id": str(deployment), "plan_code": "studio"}

    refused = await billing.post("/subscriptions", {**body, "actor": "u"})

    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "deployment_closed"
    assert await billing.subscription(tenant, deployment) is None
