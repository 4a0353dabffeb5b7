"""Payments over real Kafka: credits, past due, and the operator's billing override."""

from __future__ import annotations

import uuid
from uuid import UUID

from arcadia_contracts import Envelope, topics
from arcadia_contracts.events.billing import SubscriptionPastDue
from arcadia_contracts.events.deployments import BillingOverrideChanged
from arcadia_contracts.events.platform import PaymentFailed, PaymentSucceeded
from services.billing.tests.support import BillingStack, again, event, ids


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


def failed(tenant: str, deployment: UUID | None, payment: str | None = None) -> Envelope:
    return event(
        PaymentFailed(
            payment_id=payment or f"pay_{uuid.uuid4().hex[:8]}",
            amount_cents=2900,
            reason="card_declined",
        ),
        tenant_id=tenant,
        deployment_id=deployment,
        producer="payments",
    )


def override(tenant: str, deployment: UUID, suspended: bool) -> Envelope:
    return event(
        BillingOverrideChanged(billing_action_suspended=suspended, actor="operator-1"),
        tenant_id=tenant,
        deployment_id=deployment,
    )


async def status(billing: BillingStack, tenant: str, deployment: UUID) -> str:
    found = await billing.subscription(tenant, deployment)
    assert found is not None
    value: str = found["status"]
    return value


async def test_a_payment_credits_the_ledger_once(billing: BillingStack) -> None:
    tenant, deployment = ids()
    paid = event(
        PaymentSucceeded(payment_id="pay_1", amount_cents=4400),
        tenant_id=tenant,
        deployment_id=deployment,
        producer="payments",
    )

    await billing.deliver(topics.PAYMENTS, paid)

    balance = (await billing.get(f"/tenants/{tenant}/balance")).json()["balances"]
    assert [(b["balance_cents"], b["entries"]) for b in balance] == [(-4400, 1)]
    before = await billing.snapshot(tenant)
    await billing.redeliver(topics.PAYMENTS, paid)
    await billing.deliver(topics.PAYMENTS, again(paid))  # same payment id, another event id
    assert await billing.snapshot(tenant) == before


async def test_a_failed_payment_makes_the_subscription_past_due_and_tells_the_gateway(
    billing: BillingStack,
) -> None:
    tenant, deployment = ids()
    subscription_id = await subscribed(billing, tenant, deployment)
    declined = failed(tenant, deployment)

    await billing.deliver(topics.PAYMENTS, declined)

    assert await status(billing, tenant, deployment) == "past_due"
    _, past_due = await billing.published(deployment, 2)
    assert past_due.payload == SubscriptionPastDue(
        subscription_id=subscription_id, reason="card_declined"
    )
    assert past_due.causation_id == declined.event_id
    before = await billing.snapshot(tenant)
    await billing.redeliver(topics.PAYMENTS, declined)
    await billing.deliver(topics.PAYMENTS, again(declined))
    assert await billing.snapshot(tenant) == before


async def test_no_billing_action_while_an_operator_suspends_it(billing: BillingStack) -> None:
    tenant, deployment = ids()
    subscription_id = await subscribed(billing, tenant, deployment)
    hold = override(tenant, deployment, True)
    await billing.deliver(topics.DEPLOYMENTS, hold)
    spared = failed(tenant, deployment, "pay_spared")

    await billing.deliver(topics.PAYMENTS, spared)

    assert await status(billing, tenant, deployment) == "active"
    assert len(await billing.outbox(deployment)) == 1  # only the activation
    recorded = await billing.fetchval(
        "SELECT suppressed FROM payments WHERE payment_id = 'pay_spared' AND tenant_id = $1", tenant
    )
    assert [str(s) for s in recorded] == [subscription_id]
    before = await billing.snapshot(tenant)
    await billing.redeliver(topics.DEPLOYMENTS, hold)
    await billing.redeliver(topics.PAYMENTS, spared)
    assert await billing.snapshot(tenant) == before

    await billing.deliver(topics.DEPLOYMENTS, override(tenant, deployment, False))
    await billing.deliver(topics.PAYMENTS, failed(tenant, deployment))
    assert await status(billing, tenant, deployment) == "past_due"


async def test_a_failure_without_a_deployment_applies_to_the_tenants_live_subscriptions(
    billing: BillingStack,
) -> None:
    tenant, first = ids()
    _, second = ids()
    other_tenant, theirs = ids()
    for deployment in (first, second):
        await subscribed(billing, tenant, deployment)
    await subscribed(billing, other_tenant, theirs)

    await billing.deliver(topics.PAYMENTS, failed(tenant, None))

    assert [await status(billing, tenant, d) for d in (first, second)] == ["past_due"] * 2
    assert await status(billing, other_tenant, theirs) == "active"
