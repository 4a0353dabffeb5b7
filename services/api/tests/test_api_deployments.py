"""Deployments over HTTP: creation modes, listing and its pages, tenancy, the billing override."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from arcadia_contracts import decode, topics
from arcadia_contracts.events.deployments import (
    BillingOverrideChanged,
    DeploymentProvisioningRequested,
    DeploymentStateChanged,
)
from arcadia_platform.topicnames import TopicNames
from arcadia_testing.gateway import OPERATOR_ROLES, Gateway
from arcadia_testing.plugin import eventually, read_topic, unique


async def create(client: httpx.AsyncClient, gw: Gateway, tenant: str, **body: Any) -> Any:
    response = await client.post("/api/v1/deployments", json=body, headers=gw.auth(tenant))
    assert response.status_code in (201, 202), response.text
    return response.json()


async def events_of(gw: Gateway, deployment_id: str, want: int) -> list[Any]:
    async def enough() -> list[Any] | None:
        topic = TopicNames(gw.namespace).physical(topics.DEPLOYMENTS)
        found = [decode(r.value) for r in await read_topic(gw.kafka, topic)]
        mine = [e for e in found if str(e.deployment_id) == deployment_id]
        return mine if len(mine) >= want else None

    result: list[Any] = await eventually(enough, timeout_s=20)
    return result


async def test_a_created_deployment_has_every_field(
    client: httpx.AsyncClient, gateway: Gateway, tenant: str
) -> None:
    body = {
        "slug": "shop",
        "display_name": "The shop",
        "region": "ams3",
        "llm_mode": "byok",
        "template_code": "wordpress",
        "template_version": "6.4",
    }
    created = await create(client, gateway, tenant, **body)
    assert {k: created[k] for k in body} == body
    assert created["tenant_id"] == tenant
    assert created["state"] == "active"
    assert created["billing_action_suspended"] is False
    assert created["created_at"] == created["updated_at"]
    defaults = await create(client, gateway, tenant, slug="bare")
    assert (defaults["display_name"], defaults["template_code"]) == ("bare", None)


async def test_trial_and_provisioning_starts(
    client: httpx.AsyncClient, gateway: Gateway, tenant: str
) -> None:
    trial = await create(client, gateway, tenant, slug="trial", trial=True)
    assert trial["state"] == "trial"

    provisioned = await client.post(
        "/api/v1/deployments",
        json={
            "slug": "big",
            "provision": True,
            "region": "nyc3",
            "size": "s-2vcpu-4gb",
            "plan_code": "studio",
            "addons": [{"code": "storage_50gb", "quantity": 50}],
        },
        headers=gateway.auth(tenant),
    )
    assert provisioned.status_code == 202, provisioned.text
    started = provisioned.json()
    assert started["deployment"]["state"] == "provisioning"
    created, requested = await events_of(gateway, started["deployment"]["id"], want=2)
    assert isinstance(created.payload, DeploymentStateChanged)
    assert (created.payload.from_state, created.payload.to_state) == (None, "provisioning")
    assert isinstance(requested.payload, DeploymentProvisioningRequested)
    assert str(requested.saga_id) == started["saga_id"]
    assert requested.payload.size == "s-2vcpu-4gb"
    assert requested.payload.addons[0].quantity == 50

    both = await client.post(
        "/api/v1/deployments",
        json={"slug": "both", "provision": True, "trial": True},
        headers=gateway.auth(tenant),
    )
    assert both.status_code == 422


async def test_listing_pages_newest_first_and_filters_by_state(
    client: httpx.AsyncClient, gateway: Gateway, tenant: str
) -> None:
    slugs = [f"d{i}" for i in range(5)]
    ids = [(await create(client, gateway, tenant, slug=slug))["id"] for slug in slugs]
    await client.post(
        f"/api/v1/deployments/{ids[1]}/transition",
        json={"to": "paused"},
        headers=gateway.auth(tenant),
    )

    pages: list[list[str]] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = await client.get("/api/v1/deployments", params=params, headers=gateway.auth(tenant))
        assert page.status_code == 200, page.text
        pages.append([d["slug"] for d in page.json()["items"]])
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break

    assert pages == [["d4", "d3"], ["d2", "d1"], ["d0"]]
    paused = await client.get(
        "/api/v1/deployments", params={"state": "paused"}, headers=gateway.auth(tenant)
    )
    assert [d["id"] for d in paused.json()["items"]] == [ids[1]]


async def test_operators_see_and_filter_every_tenant_others_see_their_own(
    client: httpx.AsyncClient, gateway: Gateway, tenant: str
) -> None:
    other = unique("tenant")
    mine = await create(client, gateway, tenant, slug="mine")
    theirs = await create(client, gateway, other, slug="theirs")
    operator = gateway.auth(unique("ops"), roles=OPERATOR_ROLES, sub="op")

    filtered = await client.get(
        "/api/v1/deployments", params={"tenant_id": other}, headers=operator
    )
    assert [d["id"] for d in filtered.json()["items"]] == [theirs["id"]]
    assert (await client.get(f"/api/v1/deployments/{mine['id']}", headers=operator)).is_success

    own = await client.get(
        "/api/v1/deployments", params={"tenant_id": tenant}, headers=gateway.auth(tenant)
    )
    assert [d["id"] for d in own.json()["items"]] == [mine["id"]]
    for path, body in [
        (f"/api/v1/deployments/{theirs['id']}", None),
        (f"/api/v1/deployments/{theirs['id']}/transition", {"to": "paused"}),
    ]:
        method = "GET" if body is None else "POST"
        response = await client.request(method, path, json=body, headers=gateway.auth(tenant))
        assert response.status_code == 404, path

    moved = await client.post(
        f"/api/v1/deployments/{theirs['id']}/transition",
        json={"to": "suspended", "reason": "abuse report"},
        headers=operator,
    )
    assert moved.status_code == 200
    detail = await client.get(f"/api/v1/deployments/{theirs['id']}", headers=gateway.auth(other))
    assert detail.json()["events"][-1]["actor"] == "op"


async def test_an_operator_suspends_billing_actions_and_it_is_published(
    client: httpx.AsyncClient, gateway: Gateway, tenant: str
) -> None:
    shop = await create(client, gateway, tenant, slug="shop")
    operator = gateway.auth(unique("ops"), roles=OPERATOR_ROLES, sub="op")
    path = f"/api/v1/deployments/{shop['id']}/billing-override"

    first = await client.post(path, json={"billing_action_suspended": True}, headers=operator)
    again = await client.post(path, json={"billing_action_suspended": True}, headers=operator)
    paused = await client.post(
        f"/api/v1/deployments/{shop['id']}/transition",
        json={"to": "paused"},
        headers=gateway.auth(tenant),
    )

    assert first.status_code == again.status_code == 200
    assert first.json()["billing_action_suspended"] is True
    events = await events_of(gateway, shop["id"], want=3)
    overrides = [e.payload for e in events if isinstance(e.payload, BillingOverrideChanged)]
    assert overrides == [BillingOverrideChanged(billing_action_suspended=True, actor="op")]
    assert paused.json()["billing_action_suspended"] is True
    assert events[-1].payload.billing_action_suspended is True  # the state change carries it


async def test_a_tenant_cannot_undo_an_operators_suspension(
    client: httpx.AsyncClient, gateway: Gateway, tenant: str
) -> None:
    shop = await create(client, gateway, tenant, slug="shop")
    path = f"/api/v1/deployments/{shop['id']}/transition"
    operator = gateway.auth(unique("ops"), roles=OPERATOR_ROLES, sub="op")
    suspended = await client.post(path, json={"to": "suspended"}, headers=operator)
    assert suspended.status_code == 200, suspended.text

    back = await client.post(path, json={"to": "active"}, headers=gateway.auth(tenant))
    cancel = await client.post(path, json={"to": "cancelled"}, headers=gateway.auth(tenant))

    for refused in (back, cancel):
        assert refused.status_code == 403, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["type"].endswith("/transition-forbidden")
        assert refused.json()["current_state"] == "suspended"
    # The system lifts only the suspensions it made itself (dunning, a tenant's suspension).
    assert back.json()["allowed_by"] == ["operator", "system"]
    assert "only operator or system may" in back.json()["detail"]
    assert sorted(cancel.json()["allowed_by"]) == ["operator", "system"]
    detail = await client.get(f"/api/v1/deployments/{shop['id']}", headers=gateway.auth(tenant))
    assert detail.json()["deployment"]["state"] == "suspended"

    reinstated = await client.post(path, json={"to": "active"}, headers=operator)
    assert reinstated.status_code == 200
    detail = await client.get(f"/api/v1/deployments/{shop['id']}", headers=gateway.auth(tenant))
    assert detail.json()["events"][-1]["actor"] == "op"


async def test_a_tenant_cannot_finish_a_provisioning(
    client: httpx.AsyncClient, gateway: Gateway, tenant: str
) -> None:
    started = await create(
        client,
        gateway,
        tenant,
        slug="prov",
        provision=True,
        region="fra1",
        size="s-1vcpu-1gb",
        plan_code="studio",
    )
    path = f"/api/v1/deployments/{started['deployment']['id']}/transition"
    response = await client.post(path, json={"to": "active"}, headers=gateway.auth(tenant))
    assert response.status_code == 403, response.text
    assert response.json()["allowed_by"] == ["system"]


@pytest.mark.parametrize("roles", [["admin"], ["admin", "platform_admin"], ["platform-admins"]])
async def test_only_the_exact_operator_role_may_list_tenants(
    client: httpx.AsyncClient, gateway: Gateway, tenant: str, roles: list[str]
) -> None:
    response = await client.get("/api/v1/tenants", headers=gateway.auth(tenant, roles=roles))
    assert response.status_code == 403


async def test_the_detail_shows_the_latest_events_and_links_the_whole_history(
    client: httpx.AsyncClient, gateway: Gateway, tenant: str
) -> None:
    shop = await create(client, gateway, tenant, slug="busy")
    path = f"/api/v1/deployments/{shop['id']}"
    for i in range(15):  # 30 transitions, plus the creation: 31 events
        for to in ("paused", "active"):
            moved = await client.post(
                f"{path}/transition",
                json={"to": to, "reason": f"r{i}"},
                headers=gateway.auth(tenant),
            )
            assert moved.status_code == 200, moved.text

    detail = (await client.get(path, headers=gateway.auth(tenant))).json()
    assert detail["events_total"] == 31
    assert len(detail["events"]) == 20  # the gateway's detail_events_limit
    assert detail["events"][-1]["reason"] == "r14"
    assert detail["events"][-1]["to_state"] == "active"
    assert detail["events_href"] == f"{path}/events"

    history: list[Any] = []
    cursor: str | None = None
    while True:
        params = {"limit": "7", **({"cursor": cursor} if cursor else {})}
        page = await client.get(detail["events_href"], params=params, headers=gateway.auth(tenant))
        assert page.status_code == 200, page.text
        history.extend(page.json()["items"])
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    assert len(history) == 31
    assert history[0]["from_state"] is None
    assert history[0]["reason"] == "created"
    assert history[-20:] == detail["events"]

    stranger = await client.get(detail["events_href"], headers=gateway.auth(unique("other")))
    bad_cursor = await client.get(
        detail["events_href"], params={"cursor": "nope"}, headers=gateway.auth(tenant)
    )
    assert stranger.status_code == 404
    assert bad_cursor.status_code == 422


async def test_a_tenant_has_at_most_its_quota_of_live_deployments_even_when_racing(
    client: httpx.AsyncClient, gateway: Gateway, tenant: str
) -> None:
    # The gateway's default quota: 100 live deployments per tenant.
    gate = asyncio.Semaphore(16)

    async def attempt(i: int) -> httpx.Response:
        async with gate:
            return await client.post(
                "/api/v1/deployments", json={"slug": f"q{i}"}, headers=gateway.auth(tenant)
            )

    answers = await asyncio.gather(*(attempt(i) for i in range(110)))
    statuses = sorted(response.status_code for response in answers)
    assert statuses == [201] * 100 + [409] * 10
    refused = next(response for response in answers if response.status_code == 409)
    assert refused.json()["type"].endswith("/quota-exceeded")
    assert "100 live deployments" in refused.json()["detail"]

    first = next(response.json() for response in answers if response.status_code == 201)
    cancelled = await client.post(
        f"/api/v1/deployments/{first['id']}/transition",
        json={"to": "cancelled"},
        headers=gateway.auth(tenant),
    )
    assert cancelled.status_code == 200
    room = await client.post(
        "/api/v1/deployments", json={"slug": "after-cancel"}, headers=gateway.auth(tenant)
    )
    assert room.status_code == 201, room.text


async def test_operators_page_through_the_tenants(
    client: httpx.AsyncClient, gateway: Gateway
) -> None:
    mine = sorted(unique(f"page{i}") for i in range(3))
    for tenant in mine:
        await create(client, gateway, tenant, slug="one")
    await create(client, gateway, mine[0], slug="two")
    operator = gateway.auth(unique("ops"), roles=OPERATOR_ROLES)

    seen: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        page = await client.get("/api/v1/tenants", params=params, headers=operator)
        assert page.status_code == 200, page.text
        assert len(page.json()["items"]) <= 2
        seen.extend(page.json()["items"])
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break

    ids = [t["tenant_id"] for t in seen]
    assert ids == sorted(set(ids))  # by id, each once
    counts = {t["tenant_id"]: t["deployments"] for t in seen if t["tenant_id"] in mine}
    assert counts == {mine[0]: 2, mine[1]: 1, mine[2]: 1}
