"""Tenant standing and inventory costs over real Kafka, and the margin they feed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from arcadia_contracts import Envelope, decode, topics
from arcadia_contracts.events.inventory import ResourceRegistered, ResourceReleased
from arcadia_contracts.events.platform import TenantStandingChanged
from arcadia_contracts.topics import dlq
from arcadia_testing.plugin import eventually, read_topic
from services.billing.tests.support import BillingStack, again, event, ids


def resource(tenant: str, deployment: UUID, rid: str, kind: str, cents: int) -> Envelope:
    return event(
        ResourceRegistered(
            resource_id=rid, provider_id=f"do-{rid}", kind=kind, monthly_cost_cents=cents
        ),
        tenant_id=tenant,
        deployment_id=deployment,
        producer="inventory",
    )


async def margin(billing: BillingStack, by: str, tenant: str | None = None) -> list[dict[str, Any]]:
    params = {"by": by, **({"tenant_id": tenant} if tenant else {})}
    response = await billing.get("/margin", **params)
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()["rows"]
    return rows


async def test_an_older_standing_that_arrives_late_does_not_win(billing: BillingStack) -> None:
    tenant, _ = ids()
    bad = event(TenantStandingChanged(standing="bad"), tenant_id=tenant, producer="tenants")
    stale = event(
        TenantStandingChanged(standing="good"),
        tenant_id=tenant,
        producer="tenants",
        occurred_at=bad.occurred_at - timedelta(minutes=5),
    )

    await billing.deliver(topics.TENANTS, bad, stale)

    assert (
        await billing.fetchval("SELECT standing FROM tenants WHERE tenant_id = $1", tenant) == "bad"
    )
    before = await billing.snapshot(tenant)
    await billing.redeliver(topics.TENANTS, bad, stale)
    await billing.deliver(topics.TENANTS, again(bad))
    assert await billing.snapshot(tenant) == before


async def test_margin_is_subscription_revenue_against_resource_cost(billing: BillingStack) -> None:
    tenant, deployment = ids()
    body = {
        "tenant_id": tenant,
        "deployment_id": str(deployment),
        "plan_code": "studio",
        "addons": [{"code": "storage_50gb", "quantity": 2}],
        "actor": "u",
    }
    assert (await billing.post("/subscriptions", body)).status_code == 201
    droplet = resource(tenant, deployment, f"r-{deployment.hex[:6]}-d", "droplet", 600)
    volume = resource(tenant, deployment, f"r-{deployment.hex[:6]}-v", "volume", 200)

    await billing.deliver(topics.INVENTORY, droplet, volume)

    (row,) = await margin(billing, "deployment", tenant)
    assert row["deployment_id"] == str(deployment)
    assert row["plan_code"] == "studio"
    assert (row["revenue_cents"], row["cost_cents"], row["margin_cents"]) == (4400, 800, 3600)
    (by_tenant,) = await margin(billing, "tenant", tenant)
    assert (by_tenant["tenant_id"], by_tenant["margin_cents"], by_tenant["deployments"]) == (
        tenant,
        3600,
        1,
    )
    studio = next(r for r in await margin(billing, "plan") if r["plan_code"] == "studio")
    assert studio["revenue_cents"] >= 4400

    before = await billing.snapshot(tenant)
    await billing.redeliver(topics.INVENTORY, droplet, volume)
    await billing.deliver(topics.INVENTORY, again(droplet))
    assert await billing.snapshot(tenant) == before
    (unchanged,) = await margin(billing, "deployment", tenant)
    assert unchanged["cost_cents"] == 800

    assert isinstance(volume.payload, ResourceRegistered)
    released = event(
        ResourceReleased(resource_id=volume.payload.resource_id),
        tenant_id=tenant,
        deployment_id=deployment,
        producer="inventory",
    )
    await billing.deliver(topics.INVENTORY, released)
    (after,) = await margin(billing, "deployment", tenant)
    assert (after["cost_cents"], after["margin_cents"]) == (600, 3800)
    before = await billing.snapshot(tenant)
    await billing.redeliver(topics.INVENTORY, released)
    await billing.deliver(topics.INVENTORY, again(released))
    assert await billing.snapshot(tenant) == before


async def test_a_deployment_that_costs_without_a_subscription_shows_a_loss(
    billing: BillingStack,
) -> None:
    tenant, deployment = ids()
    other, _ = ids()

    await billing.deliver(
        topics.INVENTORY, resource(tenant, deployment, f"r-{deployment}", "droplet", 600)
    )

    (row,) = await margin(billing, "deployment", tenant)
    assert (row["plan_code"], row["revenue_cents"], row["margin_cents"]) == (None, 0, -600)
    assert await margin(billing, "deployment", other) == []  # tenant-scoped: nothing leaks


async def test_a_standing_outside_the_contract_is_dead_lettered_not_guessed(
    billing: BillingStack,
) -> None:
    tenant, _ = ids()
    odd = event(TenantStandingChanged(standing="meh"), tenant_id=tenant, producer="tenants")

    await billing.publish(topics.TENANTS, odd)

    async def dead_lettered() -> list[Any]:
        records = await read_topic(billing.kafka, billing.names.physical(dlq(topics.TENANTS)))
        return [r for r in records if decode(r.value).event_id == odd.event_id]

    (record,) = await eventually(dead_lettered, timeout_s=20)
    assert dict(record.headers)["dlq-reason"] == b"handler_failed"
    assert await billing.fetchval("SELECT count(*) FROM tenants WHERE tenant_id = $1", tenant) == 0
