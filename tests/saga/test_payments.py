"""A failed payment moves the deployment to past_due through billing and the gateway, unless an
operator set the billing override."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from arcadia_contracts import envelope, topics
from arcadia_contracts.events.platform import PaymentFailed
from arcadia_platform.topicnames import TopicNames
from arcadia_testing.plugin import eventually, publish, unique
from arcadia_testing.stack import Stack


async def provisioned(stack: Stack, client: httpx.AsyncClient) -> tuple[str, str]:
    tenant = unique("payer").replace("_", "-")
    deployment_id, saga_id = await stack.provision(client, tenant, "shop")
    await stack.wait_terminal(client, tenant, deployment_id, saga_id)
    await stack.settled_holdings(client, tenant, "shop", deployment_id, saga_id)
    return tenant, deployment_id


async def payment_fails(stack: Stack, tenant: str, deployment_id: str) -> None:
    failed = envelope(
        PaymentFailed(
            payment_id=f"pay-{uuid.uuid4().hex[:8]}", amount_cents=2900, reason="card declined"
        ),
        producer="payments",
        tenant_id=tenant,
        deployment_id=uuid.UUID(deployment_id),
    )
    topic = TopicNames(stack.namespace).physical(topics.PAYMENTS)
    await publish(stack.infra.kafka, topic, failed)


async def test_a_failed_payment_makes_the_deployment_past_due(
    stack: Stack, client: httpx.AsyncClient
) -> None:
    tenant, deployment_id = await provisioned(stack, client)

    await payment_fails(stack, tenant, deployment_id)

    async def past_due() -> Any:
        detail = await stack.detail(client, tenant, deployment_id)
        return detail if detail["deployment"]["state"] == "past_due" else None

    detail = await eventually(past_due, timeout_s=30)
    last = detail["events"][-1]
    assert (last["from_state"], last["to_state"], last["actor"]) == ("active", "past_due", "system")
    assert "card declined" in last["reason"]


async def test_the_billing_override_keeps_the_deployment_active(
    stack: Stack, client: httpx.AsyncClient
) -> None:
    tenant, deployment_id = await provisioned(stack, client)
    override = await client.post(
        f"{stack.api}/api/v1/deployments/{deployment_id}/billing-override",
        json={"billing_action_suspended": True, "reason": "key account"},
        headers=stack.auth("ops", operator=True),
    )
    assert override.status_code == 200, override.text

    async def billing_knows() -> bool:
        rows = await stack.rows(
            "billing", "SELECT count(*) AS n FROM inbox WHERE event_type = 'BillingOverrideChanged'"
        )
        return bool(rows[0]["n"] >= 1)

    await eventually(billing_knows, timeout_s=30)

    async def failures_handled() -> int:
        rows = await stack.rows(
            "billing", "SELECT count(*) AS n FROM inbox WHERE event_type = 'PaymentFailed'"
        )
        return int(rows[0]["n"])

    before = await failures_handled()
    await payment_fails(stack, tenant, deployment_id)

    async def handled() -> bool:
        return await failures_handled() > before

    await eventually(handled, timeout_s=30)
    # Billing records the failure and, in the same transaction, publishes nothing that acts.
    assert "SubscriptionPastDue" not in await stack.outbox_types("billing", deployment_id)
    detail = await stack.detail(client, tenant, deployment_id)
    assert detail["deployment"]["state"] == "active"
