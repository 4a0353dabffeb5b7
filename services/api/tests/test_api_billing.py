"""Billing through the gateway, against real billing and inventory processes: the seed's
scenario, plan changes and add-ons, balance and margin, tenancy, billing's refusals."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from arcadia_api.http.upstream import Upstream
from arcadia_testing.gateway import OPERATOR_ROLES, TEST_SERVICE_SECRET, Gateway
from arcadia_testing.plugin import eventually, unique
from arcadia_testing.upstreams import GatewayStack

PROBLEM = "application/problem+json"


@pytest.fixture
async def api(stack: GatewayStack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=f"{stack.gateway.url}/api/v1", timeout=20) as http:
        yield http


def operator(gw: Gateway, tenant: str = "arcadia-ops") -> dict[str, str]:
    return gw.auth(tenant, roles=OPERATOR_ROLES, sub="ops-1")


async def deploy(api: httpx.AsyncClient, gw: Gateway, tenant: str, slug: str = "shop") -> Any:
    created = await api.post("/deployments", json={"slug": slug}, headers=gw.auth(tenant))
    assert created.status_code == 201, created.text
    return created.json()


async def subscribe(
    api: httpx.AsyncClient, gw: Gateway, tenant: str, deployment_id: str, **body: Any
) -> httpx.Response:
    return await api.post(
        f"/deployments/{deployment_id}/subscribe",
        json={"plan_code": "studio", **body},
        headers=gw.auth(tenant, sub="alice"),
    )


async def projected(
    api: httpx.AsyncClient, gw: Gateway, tenant: str, deployment_id: str, want: Any
) -> Any:
    """The detail once the gateway's read model shows `want` as the subscription (billing's
    SubscriptionChanged reaches it through Kafka: eventually, not at once)."""

    async def check() -> Any:
        detail = (await api.get(f"/deployments/{deployment_id}", headers=gw.auth(tenant))).json()
        return detail if detail["subscription"] == want else None

    return await eventually(check, timeout_s=20)


async def billing_view(stack: GatewayStack, tenant: str, deployment_id: str) -> Any:
    """The subscription as billing itself answers it (its internal API), not the gateway's."""
    billing = Upstream("billing", stack.upstreams.billing_url, 10, secret=TEST_SERVICE_SECRET)
    try:
        raw = await billing.get(
            f"/deployments/{deployment_id}/subscription",
            dict[str, Any],
            params={"tenant_id": tenant},
        )
    finally:
        await billing.aclose()
    return raw


def days_left(subscription: dict[str, Any], at: datetime) -> int:
    """Billable days of the open period from `at`, counted as billing counts them."""
    start, end = (
        datetime.fromisoformat(subscription[f"current_period_{edge}"]) for edge in ("start", "end")
    )
    trial = subscription["trial_ends_at"]
    begin = max(at, start, datetime.fromisoformat(trial) if trial else at)
    return max(0, (end.astimezone(UTC).date() - begin.astimezone(UTC).date()).days)


def half_up(numerator: int, denominator: int) -> int:
    return (2 * numerator + denominator) // (2 * denominator)


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


async def test_the_seed_scenario_the_addon_snapshot_outlives_a_catalog_price_change(
    api: httpx.AsyncClient, stack: GatewayStack
) -> None:
    gw, tenant = stack.gateway, unique("tenant")
    shop = await deploy(api, gw, tenant)

    subscribed = await subscribe(
        api, gw, tenant, shop["id"], addons=[{"code": "storage_50gb", "quantity": 50}]
    )

    assert subscribed.status_code == 201, subscribed.text
    subscription = subscribed.json()
    assert (subscription["tenant_id"], subscription["deployment_id"]) == (tenant, shop["id"])
    assert (subscription["status"], subscription["plan"]["plan_code"]) == ("active", "studio")
    [line] = subscription["addons"]
    assert (line["code"], line["unit_price_cents"], line["quantity"]) == ("storage_50gb", 750, 50)
    assert line["monthly_cents"] == 37_500
    plan_price = subscription["plan"]["monthly_price_cents"]
    assert subscription["monthly_total_cents"] == plan_price + 37_500

    detail = await projected(api, gw, tenant, shop["id"], subscription)
    assert detail["deployment"]["id"] == shop["id"]
    assert [(e["from_state"], e["to_state"]) for e in detail["events"]] == [(None, "active")]
    assert detail["subscription"] == subscription
    assert detail["subscription_error"] is None

    try:
        repriced = await api.post(
            "/addons/storage_50gb/prices", json={"price_cents": 990}, headers=operator(gw)
        )
        assert repriced.status_code == 201, repriced.text
        assert repriced.json()["price_cents"] == 990
        catalog = (await api.get("/plans", headers=gw.auth(tenant))).json()
        storage = next(a for a in catalog["addons"] if a["code"] == "storage_50gb")
        assert storage["current_price"]["price_cents"] == 990

        after = (await api.get(f"/deployments/{shop['id']}", headers=gw.auth(tenant))).json()
        assert after["subscription"]["addons"] == subscription["addons"]  # still 750 each
        newcomer = await deploy(api, gw, tenant, slug="newcomer")
        later = await subscribe(api, gw, tenant, newcomer["id"], addons=[{"code": "storage_50gb"}])
        assert later.json()["addons"][0]["unit_price_cents"] == 990
    finally:
        # The session's billing is shared: every other test expects the seed price.
        restored = await api.post(
            "/addons/storage_50gb/prices", json={"price_cents": 750}, headers=operator(gw)
        )
        assert restored.status_code == 201, restored.text


async def test_plans_list_the_seeded_catalog_to_any_tenant(
    api: httpx.AsyncClient, stack: GatewayStack
) -> None:
    catalog = await api.get("/plans", headers=stack.gateway.auth(unique("tenant")))
    assert catalog.status_code == 200, catalog.text
    plans = {p["code"]: p for p in catalog.json()["plans"]}
    assert {"studio", "studio_pro"} <= set(plans)
    assert plans["studio"]["current_version"]["currency"] == "USD"
    assert "storage_50gb" in {a["code"] for a in catalog.json()["addons"]}


async def test_a_plan_change_answers_its_proration_and_the_balance_adds_up(
    api: httpx.AsyncClient, stack: GatewayStack
) -> None:
    gw, tenant = stack.gateway, unique("tenant")
    shop = await deploy(api, gw, tenant)
    assert (await subscribe(api, gw, tenant, shop["id"])).status_code == 201

    before = datetime.now(UTC)
    moved = await api.post(
        f"/deployments/{shop['id']}/plan", json={"plan_code": "studio_pro"}, headers=gw.auth(tenant)
    )
    after = datetime.now(UTC)

    assert moved.status_code == 200, moved.text
    change = moved.json()
    assert change["changed"] is True
    assert change["previous_plan"]["plan_code"] == "studio"
    assert change["subscription"]["plan"]["plan_code"] == "studio_pro"
    proration = change["proration"]
    # Billing prorates from its own instant of the change, somewhere between `before` and
    # `after`: near midnight UTC (at a month's end, none may be left) either day is right.
    days = proration["remaining_days"]
    assert days in {days_left(change["subscription"], t) for t in (before, after)}
    month_days = proration["month_days"] if days else 1
    old, new = change["previous_plan"], change["subscription"]["plan"]
    assert proration["credit_cents"] == half_up(old["monthly_price_cents"] * days, month_days)
    assert proration["charge_cents"] == half_up(new["monthly_price_cents"] * days, month_days)
    assert proration["net_cents"] == proration["charge_cents"] - proration["credit_cents"]
    again = await api.post(
        f"/deployments/{shop['id']}/plan", json={"plan_code": "studio_pro"}, headers=gw.auth(tenant)
    )
    assert again.json()["changed"] is False

    attached = await api.post(
        f"/deployments/{shop['id']}/addons",
        json={"addons": [{"code": "storage_50gb", "quantity": 2}]},
        headers=gw.auth(tenant),
    )
    assert attached.status_code == 200, attached.text
    charged_now = attached.json()["charged_now_cents"]
    assert [line["quantity"] for line in attached.json()["attached"]] == [2]

    balance = await api.get("/billing/balance", headers=gw.auth(tenant))
    assert balance.status_code == 200, balance.text
    [row] = balance.json()["balances"]
    assert (row["tenant_id"], row["currency"]) == (tenant, "USD")
    assert row["balance_cents"] == proration["net_cents"] + charged_now
    # The detail's subscription is the gateway's read model: it catches up with billing's own.
    own = await billing_view(stack, tenant, shop["id"])
    assert own["plan"]["plan_code"] == "studio_pro"
    assert [line["quantity"] for line in own["addons"]] == [2]
    await projected(api, gw, tenant, shop["id"], own)


async def test_balance_is_own_tenant_only_operators_pick_any_or_all(
    api: httpx.AsyncClient, stack: GatewayStack
) -> None:
    gw, mine, theirs = stack.gateway, unique("tenant"), unique("tenant")
    for tenant in (mine, theirs):
        shop = await deploy(api, gw, tenant)
        await subscribe(api, gw, tenant, shop["id"])
        await api.post(
            f"/deployments/{shop['id']}/plan",
            json={"plan_code": "studio_pro"},
            headers=gw.auth(tenant),
        )

    own = await api.get("/billing/balance", headers=gw.auth(mine))
    assert {b["tenant_id"] for b in own.json()["balances"]} == {mine}
    same = await api.get("/billing/balance", params={"tenant_id": mine}, headers=gw.auth(mine))
    assert same.json() == own.json()
    other = await api.get("/billing/balance", params={"tenant_id": theirs}, headers=gw.auth(mine))
    assert problem(other, 403)["type"].endswith("/operators-only")

    one = await api.get("/billing/balance", params={"tenant_id": theirs}, headers=operator(gw))
    assert {b["tenant_id"] for b in one.json()["balances"]} == {theirs}
    every = await api.get("/billing/balance", headers=operator(gw))
    assert {mine, theirs} <= {b["tenant_id"] for b in every.json()["balances"]}


async def test_margin_is_for_operators_grouped_as_billing_groups_it(
    api: httpx.AsyncClient, stack: GatewayStack
) -> None:
    gw, tenant = stack.gateway, unique("tenant")
    shop = await deploy(api, gw, tenant)
    subscription = (await subscribe(api, gw, tenant, shop["id"])).json()

    refused = await api.get("/dashboard/margin", headers=gw.auth(tenant, roles=["admin"]))
    assert problem(refused, 403)["type"].endswith("/operators-only")

    by_tenant = await api.get(
        "/dashboard/margin", params={"by": "tenant", "tenant_id": tenant}, headers=operator(gw)
    )
    assert by_tenant.status_code == 200, by_tenant.text
    assert by_tenant.json()["by"] == "tenant"
    [row] = by_tenant.json()["rows"]
    assert (row["tenant_id"], row["revenue_cents"]) == (tenant, subscription["monthly_total_cents"])
    assert row["margin_cents"] == row["revenue_cents"] - row["cost_cents"]
    by_deployment = await api.get(
        "/dashboard/margin", params={"tenant_id": tenant}, headers=operator(gw)
    )
    assert [r["deployment_id"] for r in by_deployment.json()["rows"]] == [shop["id"]]
    by_plan = await api.get("/dashboard/margin", params={"by": "plan"}, headers=operator(gw))
    assert "studio" in {r["plan_code"] for r in by_plan.json()["rows"]}
    bogus = await api.get("/dashboard/margin", params={"by": "region"}, headers=operator(gw))
    problem(bogus, 400)


async def test_another_tenants_deployment_is_a_404_operators_act_for_its_tenant(
    api: httpx.AsyncClient, stack: GatewayStack
) -> None:
    gw, owner, intruder = stack.gateway, unique("tenant"), unique("tenant")
    shop = await deploy(api, gw, owner)

    for path, body in [
        ("subscribe", {"plan_code": "studio"}),
        ("plan", {"plan_code": "studio_pro"}),
        ("addons", {"addons": [{"code": "storage_50gb"}]}),
    ]:
        response = await api.post(
            f"/deployments/{shop['id']}/{path}", json=body, headers=gw.auth(intruder)
        )
        assert problem(response, 404)["detail"] == "No such deployment"

    by_operator = await api.post(
        f"/deployments/{shop['id']}/subscribe", json={"plan_code": "studio"}, headers=operator(gw)
    )
    assert by_operator.status_code == 201, by_operator.text
    assert by_operator.json()["tenant_id"] == owner  # the deployment's tenant, not the operator's


async def test_billings_refusals_come_through_with_their_status(
    api: httpx.AsyncClient, stack: GatewayStack
) -> None:
    gw, tenant = stack.gateway, unique("tenant")
    shop = await deploy(api, gw, tenant)

    unknown = await subscribe(api, gw, tenant, shop["id"], plan_code="enterprise")
    assert problem(unknown, 422)["type"].endswith("/unknown-plan")
    no_subscription = await api.post(
        f"/deployments/{shop['id']}/plan", json={"plan_code": "studio_pro"}, headers=gw.auth(tenant)
    )
    assert problem(no_subscription, 404)["type"].endswith("/subscription-not-found")
    assert (await subscribe(api, gw, tenant, shop["id"])).status_code == 201
    twice = await subscribe(api, gw, tenant, shop["id"])
    assert problem(twice, 409)["type"].endswith("/subscription-exists")
    unknown_addon = await api.post(
        f"/deployments/{shop['id']}/addons",
        json={"addons": [{"code": "gpu_hours"}]},
        headers=gw.auth(tenant),
    )
    assert problem(unknown_addon, 422)["type"].endswith("/unknown-addon")


async def test_a_cancelled_deployment_cannot_be_subscribed(
    api: httpx.AsyncClient, stack: GatewayStack
) -> None:
    gw, tenant = stack.gateway, unique("tenant")
    shop = await deploy(api, gw, tenant)
    cancel = await api.post(
        f"/deployments/{shop['id']}/transition", json={"to": "cancelled"}, headers=gw.auth(tenant)
    )
    assert cancel.status_code == 200, cancel.text

    refused = await subscribe(api, gw, tenant, shop["id"])

    body = problem(refused, 409)
    assert (body["type"].split("/")[-1], body["current_state"]) == (
        "deployment-closed",
        "cancelled",
    )


async def test_unknown_fields_are_named_and_the_tenant_cannot_be_chosen(
    api: httpx.AsyncClient, stack: GatewayStack
) -> None:
    gw, tenant = stack.gateway, unique("tenant")
    shop = await deploy(api, gw, tenant)

    response = await subscribe(
        api,
        gw,
        tenant,
        shop["id"],
        addons=[{"code": "storage_50gb", "unit_price_cents": 1}],
        tenant_id="someone-else",
        actor="mallory",
    )

    body = problem(response, 400)
    assert body["unknown_fields"] == ["addons[0].unit_price_cents", "tenant_id", "actor"]
    detail = (await api.get(f"/deployments/{shop['id']}", headers=gw.auth(tenant))).json()
    assert detail["subscription"] is None  # nothing reached billing


async def test_an_idempotency_key_replays_a_subscription(
    api: httpx.AsyncClient, stack: GatewayStack
) -> None:
    gw, tenant = stack.gateway, unique("tenant")
    shop = await deploy(api, gw, tenant)
    headers = {**gw.auth(tenant), "Idempotency-Key": unique("key")}
    body = {"plan_code": "studio", "addons": [{"code": "storage_50gb", "quantity": 3}]}
    path = f"/deployments/{shop['id']}/subscribe"

    first = await api.post(path, json=body, headers=headers)
    second = await api.post(path, json=body, headers=headers)

    assert first.status_code == second.status_code == 201, second.text
    assert second.json() == first.json()
    assert second.headers["idempotent-replayed"] == "true"
    different = await api.post(path, json={"plan_code": "studio_pro"}, headers=headers)
    assert problem(different, 422)["type"].endswith("/idempotency-key-reused")


async def test_operators_add_plans_versions_and_addons_others_are_refused(
    api: httpx.AsyncClient, stack: GatewayStack
) -> None:
    gw, code = stack.gateway, unique("plan")
    tenant_headers = gw.auth(unique("tenant"))
    new_plan = {"code": code, "name": "Agency", "monthly_price_cents": 9900, "droplet_size": "s-4"}

    created = await api.post("/plans", json=new_plan, headers=operator(gw))
    assert created.status_code == 201, created.text
    assert created.json()["current_version"]["version"] == 1
    version = await api.post(
        f"/plans/{code}/versions",
        json={"monthly_price_cents": 10900, "droplet_size": "s-4"},
        headers=operator(gw),
    )
    assert version.status_code == 201, version.text
    assert (version.json()["version"], version.json()["monthly_price_cents"]) == (2, 10900)
    retired = await api.post(f"/plans/{code}/versions/1/retire", headers=operator(gw))
    assert retired.status_code == 200, retired.text
    assert retired.json()["retired_at"] is not None
    addon_code = unique("addon")
    addon = await api.post(
        "/addons",
        json={"code": addon_code, "name": "Backups", "unit": "GB", "price_cents": 5},
        headers=operator(gw),
    )
    assert addon.status_code == 201, addon.text
    catalog = (await api.get("/plans", headers=tenant_headers)).json()
    mine = next(p for p in catalog["plans"] if p["code"] == code)
    assert mine["current_version"]["version"] == 2
    assert addon_code in {a["code"] for a in catalog["addons"]}

    for path, body in [
        ("/plans", {**new_plan, "code": unique("plan")}),
        (f"/plans/{code}/versions", {"monthly_price_cents": 1, "droplet_size": "s-4"}),
        (f"/plans/{code}/versions/2/retire", None),
        ("/addons", {"code": unique("addon"), "name": "X", "unit": "u", "price_cents": 1}),
        (f"/addons/{addon_code}/prices", {"price_cents": 1}),
    ]:
        refused = await api.post(path, json=body, headers=tenant_headers)
        assert problem(refused, 403)["type"].endswith("/operators-only"), path
    unchanged = (await api.get("/plans", headers=tenant_headers)).json()
    assert next(p for p in unchanged["plans"] if p["code"] == code) == mine


async def test_invoices_are_tenant_scoped_and_bad_input_is_a_4xx(
    api: httpx.AsyncClient, stack: GatewayStack
) -> None:
    gw, tenant = stack.gateway, unique("tenant")
    mine = await api.get("/invoices", headers=gw.auth(tenant))
    assert mine.status_code == 200, mine.text
    assert mine.json() == {"invoices": [], "next_cursor": None}  # no period has closed yet
    everyone = await api.get("/invoices", params={"tenant_id": tenant}, headers=operator(gw))
    assert everyone.status_code == 200, everyone.text

    problem(await api.get("/invoices", params={"tenant_id": "other"}, headers=gw.auth(tenant)), 403)
    problem(await api.get("/invoices", params={"cursor": "not-ours"}, headers=gw.auth(tenant)), 422)
    problem(await api.get("/invoices", params={"limit": 0}, headers=gw.auth(tenant)), 400)
    missing = "/invoices/00000000-0000-4000-8000-000000000000"
    assert problem(await api.get(missing, headers=gw.auth(tenant)), 404)["code"] == (
        "invoice_not_found"
    )
    problem(await api.get("/invoices"), 401)
