"""Billing and inventory down (the session gateway's upstreams are closed ports): every call that
needs them is a 503 problem with Retry-After, never a 500; a deployment still reads."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from arcadia_testing.gateway import OPERATOR_ROLES, Gateway

PROBLEM = "application/problem+json"


def unavailable(response: httpx.Response, service: str) -> dict[str, Any]:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["retry-after"] == "5"
    body: dict[str, Any] = response.json()
    assert body["type"].endswith("/upstream-unavailable")
    assert body["detail"] == f"The {service} service is unavailable; try again later"
    return body


@pytest.mark.parametrize(
    ("method", "path", "body", "service"),
    [
        ("GET", "/api/v1/plans", None, "billing"),
        ("GET", "/api/v1/billing/balance", None, "billing"),
        ("GET", "/api/v1/dashboard/margin", None, "billing"),
        ("POST", "/api/v1/addons/storage_50gb/prices", {"price_cents": 1}, "billing"),
        ("GET", "/api/v1/drift", None, "inventory"),
        ("GET", "/api/v1/resources", None, "inventory"),
    ],
)
async def test_an_unreachable_upstream_is_a_503(
    client: httpx.AsyncClient,
    gateway: Gateway,
    tenant: str,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    service: str,
) -> None:
    headers = gateway.auth(tenant, roles=OPERATOR_ROLES)
    response = await client.request(method, path, json=body, headers=headers)
    assert unavailable(response, service)["instance"] == path


async def test_a_subscription_attempt_stores_no_answer_and_the_deployment_still_reads(
    client: httpx.AsyncClient, gateway: Gateway, tenant: str
) -> None:
    created = await client.post(
        "/api/v1/deployments", json={"slug": "shop"}, headers=gateway.auth(tenant)
    )
    shop = created.json()
    keyed = {**gateway.auth(tenant), "Idempotency-Key": "subscribe-once"}
    path = f"/api/v1/deployments/{shop['id']}/subscribe"

    first = await client.post(path, json={"plan_code": "studio"}, headers=keyed)
    again = await client.post(path, json={"plan_code": "studio"}, headers=keyed)

    unavailable(first, "billing")
    unavailable(again, "billing")
    assert "idempotent-replayed" not in again.headers  # a 5xx is not kept: retrying is safe
    detail = await client.get(f"/api/v1/deployments/{shop['id']}", headers=gateway.auth(tenant))
    assert detail.status_code == 200, detail.text
    assert detail.json()["deployment"]["id"] == shop["id"]
    # The detail reads the gateway's read model, not billing: nothing announced, nothing shown.
    assert (detail.json()["subscription"], detail.json()["subscription_error"]) == (None, None)


async def test_tenancy_and_roles_are_checked_before_the_upstream_is_asked(
    client: httpx.AsyncClient, gateway: Gateway, tenant: str
) -> None:
    created = await client.post(
        "/api/v1/deployments", json={"slug": "shop"}, headers=gateway.auth(tenant)
    )
    other = gateway.auth(f"{tenant}-other")
    subscribe = await client.post(
        f"/api/v1/deployments/{created.json()['id']}/subscribe",
        json={"plan_code": "studio"},
        headers=other,
    )
    assert subscribe.status_code == 404
    assert (await client.get("/api/v1/dashboard/margin", headers=other)).status_code == 403
    assert (await client.get("/api/v1/drift", headers=other)).status_code == 403
