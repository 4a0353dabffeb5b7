"""Subscriptions over the internal API: the seed scenario, tenancy, plan changes, add-ons."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import msgspec

from arcadia_contracts import topics
from arcadia_contracts.events.platform import TenantStandingChanged
from services.billing.tests.support import BillingStack, SettableClock, event, ids


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


async def subscribe(
    billing: BillingStack,
    tenant: str,
    deployment: UUID,
    plan: str = "studio",
    addons: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    body = {
        "tenant_id": tenant,
        "deployment_id": str(deployment),
        "plan_code": plan,
        "addons": addons or [],
        "actor": "user-1",
    }
    response = await billing.post("/subscriptions", body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def ledger(billing: BillingStack, tenant: str) -> list[dict[str, Any]]:
    response = await billing.get(f"/tenants/{tenant}/ledger")
    assert response.status_code == 200, response.text
    entries: list[dict[str, Any]] = response.json()["entries"]
    return entries


async def set_storage_price(billing: BillingStack, cents: int) -> None:
    response = await billing.post(
        "/addons/storage_50gb/prices", {"price_cents": cents, "actor": "operator-1"}
    )
    assert response.status_code == 201, response.text


async def test_the_seed_scenario_snapshots_storage_at_750_and_a_price_change_spares_it(
    billing: BillingStack,
) -> None:
    tenant, deployment = ids()

    subscribed = await subscribe(
        billing, tenant, deployment, addons=[{"code": "storage_50gb", "quantity": 50}]
    )

    assert subscribed["status"] == "active"
    assert subscribed["plan"]["plan_code"] == "studio"
    (line,) = subscribed["addons"]
    assert (line["code"], line["unit_price_cents"], line["quantity"]) == ("storage_50gb", 750, 50)
    assert subscribed["monthly_total_cents"] == 2900 + 750 * 50
    try:
        await set_storage_price(billing, 900)

        after = await billing.subscription(tenant, deployment)
        assert after is not None
        assert after["addons"] == subscribed["addons"]  # the snapshot is untouched
        assert after["monthly_total_cents"] == 2900 + 750 * 50
        newcomer_tenant, newcomer = ids()
        fresh = await subscribe(
            billing, newcomer_tenant, newcomer, addons=[{"code": "storage_50gb", "quantity": 50}]
        )
        assert fresh["addons"][0]["unit_price_cents"] == 900  # new subscribers pay the new price
    finally:
        await set_storage_price(billing, 750)  # other tests rely on the seed price


async def test_another_tenant_sees_no_subscription_and_cannot_change_it(
    billing: BillingStack,
) -> None:
    tenant, deployment = ids()
    other, _ = ids()
    await subscribe(billing, tenant, deployment)

    read = await billing.get(f"/deployments/{deployment}/subscription", tenant_id=other)
    change = await billing.post(
        f"/deployments/{deployment}/subscription/plan",
        {"tenant_id": other, "plan_code": "studio_pro", "actor": "intruder"},
    )
    attach = await billing.post(
        f"/deployments/{deployment}/subscription/addons",
        {"tenant_id": other, "addons": [{"code": "storage_50gb"}], "actor": "intruder"},
    )

    assert [r.status_code for r in (read, change, attach)] == [404, 404, 404]
    assert read.json()["code"] == "subscription_not_found"
    assert tenant not in read.text
    mine = await billing.subscription(tenant, deployment)
    assert mine is not None
    assert mine["plan"]["plan_code"] == "studio"
    assert mine["addons"] == []


async def test_a_deployment_has_one_subscription(billing: BillingStack) -> None:
    tenant, deployment = ids()
    await subscribe(billing, tenant, deployment)

    again = await billing.post(
        "/subscriptions",
        {
            "tenant_id": tenant,
            "deployment_id": str(deployment),
            "plan_code": "studio_pro",
            "actor": "u",
        },
    )

    assert again.status_code == 409
    assert again.json()["code"] == "subscription_exists"
    count = await billing.fetchval(
        "SELECT count(*) FROM subscriptions WHERE deployment_id = $1", deployment
    )
    assert count == 1


async def test_unknown_plans_and_add_ons_are_refused_with_422(billing: BillingStack) -> None:
    tenant, deployment = ids()
    base = {"tenant_id": tenant, "deployment_id": str(deployment), "actor": "u"}

    no_plan = await billing.post("/subscriptions", {**base, "plan_code": "platinum"})
    no_addon = await billing.post(
        "/subscriptions", {**base, "plan_code": "studio", "addons": [{"code": "gpu"}]}
    )
    zero = await billing.post(
        "/subscriptions",
        {**base, "plan_code": "studio", "addons": [{"code": "storage_50gb", "quantity": 0}]},
    )

    assert (no_plan.status_code, no_plan.json()["code"]) == (422, "unknown_plan")
    assert (no_addon.status_code, no_addon.json()["code"]) == (422, "unknown_addon")
    assert zero.status_code == 400
    assert await billing.subscription(tenant, deployment) is None


async def test_a_tenant_in_bad_standing_cannot_subscribe(billing: BillingStack) -> None:
    tenant, deployment = ids()
    bad = event(TenantStandingChanged(standing="bad"), tenant_id=tenant, producer="tenants")
    await billing.deliver(topics.TENANTS, bad)

    refused = await billing.post(
        "/subscriptions",
        {
            "tenant_id": tenant,
            "deployment_id": str(deployment),
            "plan_code": "studio",
            "actor": "u",
        },
    )

    assert (refused.status_code, refused.json()["code"]) == (409, "tenant_bad_standing")


async def test_an_upgrade_mid_month_is_prorated_by_day_into_the_ledger(
    billing: BillingStack, clock: SettableClock
) -> None:
    tenant, deployment = ids()
    clock.pinned = at("2025-03-01T00:00:00")
    await subscribe(billing, tenant, deployment)
    clock.pinned = at("2025-03-16T10:00:00")

    response = await billing.post(
        f"/deployments/{deployment}/subscription/plan",
        {"tenant_id": tenant, "plan_code": "studio_pro", "actor": "user-1"},
    )

    assert response.status_code == 200, response.text
    change = response.json()
    assert change["changed"] is True
    assert change["previous_plan"]["plan_code"] == "studio"
    assert change["subscription"]["plan"]["plan_code"] == "studio_pro"
    assert change["proration"] == {
        "remaining_days": 16,
        "month_days": 31,
        "credit_cents": 1497,
        "charge_cents": 3045,
        "net_cents": 1548,
        "currency": "USD",
    }
    entries = await ledger(billing, tenant)
    assert sorted((e["kind"], e["amount_cents"]) for e in entries) == [
        ("proration", -1497),
        ("proration", 3045),
    ]

    same = await billing.post(
        f"/deployments/{deployment}/subscription/plan",
        {"tenant_id": tenant, "plan_code": "studio_pro", "actor": "user-1"},
    )
    assert same.json()["changed"] is False  # a retried request prorates nothing more
    assert same.json()["proration"]["net_cents"] == 0
    assert len(await ledger(billing, tenant)) == 2


async def test_moving_to_a_newer_version_of_the_same_plan(
    billing: BillingStack, clock: SettableClock
) -> None:
    tenant, deployment = ids()
    clock.pinned = at("2025-04-01T00:00:00")
    code = f"plan_{deployment.hex[:8]}"
    created = await billing.post(
        "/plans",
        {
            "code": code,
            "name": "P",
            "monthly_price_cents": 3000,
            "droplet_size": "s",
            "actor": "op",
        },
    )
    assert created.status_code == 201, created.text
    await subscribe(billing, tenant, deployment, plan=code)
    clock.pinned = at("2025-04-21T00:00:00")
    newer = await billing.post(
        f"/plans/{code}/versions", {"monthly_price_cents": 3600, "droplet_size": "s", "actor": "op"}
    )
    assert newer.status_code == 201, newer.text

    moved = await billing.post(
        f"/deployments/{deployment}/subscription/plan",
        {"tenant_id": tenant, "plan_code": code, "actor": "user-1"},
    )

    assert moved.status_code == 200, moved.text
    body = moved.json()
    assert (body["previous_plan"]["version"], body["subscription"]["plan"]["version"]) == (1, 2)
    assert body["proration"]["net_cents"] == 200  # 10 of 30 days at +600


async def test_add_ons_attached_later_use_todays_price_and_pay_the_rest_of_the_month(
    billing: BillingStack, clock: SettableClock
) -> None:
    tenant, deployment = ids()
    clock.pinned = at("2025-06-01T00:00:00")
    await subscribe(billing, tenant, deployment, addons=[{"code": "storage_50gb", "quantity": 1}])
    clock.pinned = at("2025-06-16T12:00:00")

    response = await billing.post(
        f"/deployments/{deployment}/subscription/addons",
        {"tenant_id": tenant, "addons": [{"code": "storage_50gb", "quantity": 2}], "actor": "u"},
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["charged_now_cents"] == 750  # 1500 for 15 of 30 days
    assert [(a["unit_price_cents"], a["quantity"]) for a in body["subscription"]["addons"]] == [
        (750, 1),
        (750, 2),
    ]
    assert [e["amount_cents"] for e in await ledger(billing, tenant)] == [750]


async def test_every_change_announces_the_whole_view_with_a_growing_revision(
    billing: BillingStack,
) -> None:
    """SubscriptionChanged (the gateway's read model): after subscribing, a plan change and an
    add-on, each in the change's own transaction, the last view is billing's own answer."""
    tenant, deployment = ids()
    await subscribe(billing, tenant, deployment)
    moved = await billing.post(
        f"/deployments/{deployment}/subscription/plan",
        {"tenant_id": tenant, "plan_code": "studio_pro", "actor": "user-1"},
    )
    assert moved.status_code == 200, moved.text
    attached = await billing.post(
        f"/deployments/{deployment}/subscription/addons",
        {"tenant_id": tenant, "addons": [{"code": "storage_50gb"}], "actor": "user-1"},
    )
    assert attached.status_code == 200, attached.text

    views = [
        e for e in await billing.outbox(deployment, views=True) if e.type == "SubscriptionChanged"
    ]
    own = (await billing.get(f"/deployments/{deployment}/subscription", tenant_id=tenant)).json()
    revisions = [e.payload.revision for e in views]  # type: ignore[attr-defined]
    assert len(views) == 3  # activated, plan changed, add-on attached
    assert revisions == sorted(set(revisions))
    plans = [e.payload.view.plan.plan_code for e in views]  # type: ignore[attr-defined]
    assert plans == ["studio", "studio_pro", "studio_pro"]
    assert msgspec.to_builtins(views[-1].payload.view) == own  # type: ignore[attr-defined]
