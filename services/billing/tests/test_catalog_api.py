"""The catalog over the internal API: the seed, plan versions, add-on price history."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import pytest

from services.billing.tests.support import BillingStack, ids


def plan(catalog: dict[str, Any], code: str) -> dict[str, Any]:
    return next(p for p in catalog["plans"] if p["code"] == code)


async def test_the_seeded_catalog_has_two_plans_and_storage_at_750_cents(
    billing: BillingStack,
) -> None:
    response = await billing.get("/plans")

    assert response.status_code == 200
    catalog = response.json()
    studio = plan(catalog, "studio")["current_version"]
    assert studio["monthly_price_cents"] == 2900
    assert studio["currency"] == "USD"
    assert studio["droplet_size"] == "s-1vcpu-1gb"
    assert plan(catalog, "studio_pro")["current_version"]["monthly_price_cents"] == 5900
    storage = next(a for a in catalog["addons"] if a["code"] == "storage_50gb")
    assert storage["current_price"]["price_cents"] == 750


def new_code(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


async def add_plan(billing: BillingStack, cents: int = 1000) -> str:
    code = new_code("plan")
    body = {
        "code": code,
        "name": "Test plan",
        "monthly_price_cents": cents,
        "droplet_size": "s-1vcpu-2gb",
        "actor": "operator-1",
    }
    response = await billing.post("/plans", body)
    assert response.status_code == 201, response.text
    return code


async def test_a_price_change_is_a_new_version_and_subscribers_keep_theirs(
    billing: BillingStack,
) -> None:
    code = await add_plan(billing, 1000)
    tenant, deployment = ids()
    subscribed = await billing.post(
        "/subscriptions",
        {"tenant_id": tenant, "deployment_id": str(deployment), "plan_code": code, "actor": "u"},
    )
    assert subscribed.status_code == 201, subscribed.text

    response = await billing.post(
        f"/plans/{code}/versions",
        {"monthly_price_cents": 1200, "droplet_size": "s-1vcpu-2gb", "actor": "operator-1"},
    )

    assert response.status_code == 201, response.text
    assert response.json()["version"] == 2
    plan_now = (await billing.get(f"/plans/{code}")).json()
    assert plan_now["current_version"]["monthly_price_cents"] == 1200
    assert [v["monthly_price_cents"] for v in plan_now["versions"]] == [1000, 1200]
    subscription = await billing.subscription(tenant, deployment)
    assert subscription is not None
    assert subscription["plan"]["version"] == 1
    assert subscription["monthly_total_cents"] == 1000


async def test_the_database_refuses_to_edit_or_delete_a_plan_version(billing: BillingStack) -> None:
    code = await add_plan(billing)
    conn = await billing.db()

    with pytest.raises(asyncpg.RaiseError, match="immutable"):
        await conn.execute(
            "UPDATE plan_versions SET monthly_price_cents = 1 WHERE plan_code = $1", code
        )
    with pytest.raises(asyncpg.RaiseError, match="cannot be deleted"):
        await conn.execute("DELETE FROM plan_versions WHERE plan_code = $1", code)
    with pytest.raises(asyncpg.RaiseError, match="append-only"):
        await conn.execute("UPDATE addon_prices SET price_cents = 1")
    price = await billing.fetchval(
        "SELECT monthly_price_cents FROM plan_versions WHERE plan_code = $1", code
    )
    assert price == 1000


async def test_a_retired_version_is_off_sale_and_its_plan_cannot_be_subscribed(
    billing: BillingStack,
) -> None:
    code = await add_plan(billing)

    retired = await billing.post(f"/plans/{code}/versions/1/retire", {"actor": "operator-1"})
    again = await billing.post(f"/plans/{code}/versions/1/retire", {"actor": "operator-1"})

    assert retired.status_code == 200, retired.text
    assert retired.json()["retired_at"] is not None
    assert again.json()["retired_at"] == retired.json()["retired_at"]  # retiring is once
    assert (await billing.get(f"/plans/{code}")).json()["current_version"] is None
    tenant, deployment = ids()
    refused = await billing.post(
        "/subscriptions",
        {"tenant_id": tenant, "deployment_id": str(deployment), "plan_code": code, "actor": "u"},
    )
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == "plan_retired"


async def test_an_add_on_price_change_adds_to_its_history(billing: BillingStack) -> None:
    code = new_code("addon")
    created = await billing.post(
        "/addons",
        {"code": code, "name": "Backups", "unit": "plan", "price_cents": 300, "actor": "op"},
    )
    assert created.status_code == 201, created.text

    changed = await billing.post(f"/addons/{code}/prices", {"price_cents": 350, "actor": "op"})

    assert changed.status_code == 201, changed.text
    (addon,) = [a for a in (await billing.get("/addons")).json()["addons"] if a["code"] == code]
    assert addon["current_price"]["price_cents"] == 350
    assert [p["price_cents"] for p in addon["prices"]] == [350, 300]  # newest first
    rows = await billing.fetchval("SELECT count(*) FROM addon_prices WHERE addon_code = $1", code)
    assert rows == 2


@pytest.mark.parametrize(
    ("path", "body", "status", "code"),
    [
        (
            "/plans",
            {
                "code": "x",
                "name": "n",
                "monthly_price_cents": 1,
                "droplet_size": "s",
                "actor": "a",
                "surprise": 1,
            },
            400,
            "malformed_request",
        ),
        (
            "/plans",
            {
                "code": "Not A Code",
                "name": "n",
                "monthly_price_cents": 1,
                "droplet_size": "s",
                "actor": "a",
            },
            400,
            "malformed_request",
        ),
        (
            "/plans",
            {
                "code": "studio",
                "name": "n",
                "monthly_price_cents": 1,
                "droplet_size": "s",
                "actor": "a",
            },
            409,
            "already_exists",
        ),
        (
            "/plans/nope/versions",
            {"monthly_price_cents": 1, "droplet_size": "s", "actor": "a"},
            404,
            "plan_not_found",
        ),
        ("/plans/studio/versions/999/retire", {"actor": "a"}, 404, "plan_not_found"),
        ("/addons/nope/prices", {"price_cents": 1, "actor": "a"}, 404, "addon_not_found"),
        (
            "/addons/storage_50gb/prices",
            {"price_cents": 1, "currency": "EUR", "actor": "a"},
            409,
            "conflict",
        ),
        (
            "/plans",
            {
                "code": "p",
                "name": "n",
                "monthly_price_cents": -1,
                "droplet_size": "s",
                "actor": "a",
            },
            400,
            "malformed_request",
        ),
    ],
)
async def test_bad_operator_input_is_a_problem_document_never_a_5xx(
    billing: BillingStack, path: str, body: dict[str, object], status: int, code: str
) -> None:
    response = await billing.post(path, body)

    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == status
    assert problem["code"] == code
    # The shared problem types spell the code with hyphens (`.../problems/already-exists`).
    assert problem["type"] == "https://docs.arcadia.cloud/problems/" + code.replace("_", "-")
    if "surprise" in body:
        assert "surprise" in str(problem["errors"])  # the unknown field is named
