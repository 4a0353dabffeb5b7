"""Operators' views of the inventory through the gateway: resources, drift, and margin with costs,
against real inventory, billing and cloud simulator processes."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from arcadia_contracts import envelope, topics
from arcadia_contracts.events.provisioner import DropletActive
from arcadia_platform.topicnames import TopicNames
from arcadia_testing.gateway import OPERATOR_ROLES, Gateway
from arcadia_testing.plugin import eventually, publish, unique
from arcadia_testing.upstreams import GatewayStack


@pytest.fixture
async def api(stack: GatewayStack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=f"{stack.gateway.url}/api/v1", timeout=30) as http:
        yield http


def operator(gw: Gateway) -> dict[str, str]:
    return gw.auth("arcadia-ops", roles=OPERATOR_ROLES, sub="ops-1")


async def droplet_became_active(gw: Gateway, tenant: str, deployment_id: str) -> int:
    """What the provisioner publishes when a saga's droplet is up: the inventory registers it."""
    droplet_id = random.randint(10**9, 2 * 10**9)
    event = envelope(
        DropletActive(
            droplet_id=droplet_id, ip_address="203.0.113.7", region="nyc3", size="s-1vcpu-1gb"
        ),
        producer="provisioner",
        tenant_id=tenant,
        deployment_id=uuid.UUID(deployment_id),
        saga_id=uuid.uuid4(),
    )
    await publish(gw.kafka, TopicNames(gw.namespace).physical(topics.PROVISIONER), event)
    return droplet_id


async def resources_of(api: httpx.AsyncClient, gw: Gateway, **params: Any) -> list[Any]:
    async def found() -> list[Any] | None:
        page = await api.get("/resources", params=params, headers=operator(gw))
        assert page.status_code == 200, page.text
        items: list[Any] = page.json()["items"]
        return items or None

    result: list[Any] = await eventually(found, timeout_s=30)
    return result


async def test_operators_list_resources_with_filters_others_are_refused(
    api: httpx.AsyncClient, stack: GatewayStack
) -> None:
    gw, tenant = stack.gateway, unique("tenant")
    deployment_id = str(uuid.uuid4())
    droplet_id = await droplet_became_active(gw, tenant, deployment_id)

    [resource] = await resources_of(api, gw, tenant_id=tenant)

    assert (resource["provider_id"], resource["deployment_id"]) == (str(droplet_id), deployment_id)
    assert (resource["status"], resource["tenant_id"]) == ("active", tenant)
    assert resource["monthly_cost_cents"] > 0
    by_deployment = await api.get(
        "/resources", params={"deployment_id": deployment_id}, headers=operator(gw)
    )
    assert [r["id"] for r in by_deployment.json()["items"]] == [resource["id"]]
    released = await api.get(
        "/resources", params={"tenant_id": tenant, "status": "released"}, headers=operator(gw)
    )
    assert released.json()["items"] == []
    refused = await api.get("/resources", headers=gw.auth(tenant))
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"


async def scanned(api: httpx.AsyncClient, gw: Gateway) -> dict[str, Any]:
    """Ask for a drift scan and wait for it to finish."""
    asked = await api.post("/drift/scan", headers=operator(gw))
    assert asked.status_code == 202, asked.text

    async def finished() -> dict[str, Any] | None:
        scan = await api.get(f"/drift/scans/{asked.json()['id']}", headers=operator(gw))
        assert scan.status_code == 200, scan.text
        body: dict[str, Any] = scan.json()
        return body if body["status"] in ("done", "failed") else None

    result: dict[str, Any] = await eventually(finished, timeout_s=30)
    assert result["status"] == "done", result
    return result


async def test_a_ghost_is_kept_as_a_finding_fixed_by_release_and_closed(
    api: httpx.AsyncClient, stack: GatewayStack
) -> None:
    gw, tenant = stack.gateway, unique("tenant")
    deployment_id = str(uuid.uuid4())
    lost = await droplet_became_active(gw, tenant, deployment_id)  # not in the cloud
    await resources_of(api, gw, tenant_id=tenant)

    await scanned(api, gw)

    listed = await api.get("/drift", params={"status": "open"}, headers=operator(gw))
    assert listed.status_code == 200, listed.text
    [ghost] = [f for f in listed.json()["items"] if f["subject"] == str(lost)]
    assert (ghost["kind"], ghost["subject_kind"]) == ("ghost", "droplet")
    assert ghost["first_seen"] <= ghost["last_seen"]
    await scanned(api, gw)  # found again: the same finding, seen later
    again = await api.get("/drift", headers=operator(gw))
    [seen] = [f for f in again.json()["items"] if f["subject"] == str(lost)]
    assert (seen["id"], seen["first_seen"]) == (ghost["id"], ghost["first_seen"])
    assert seen["last_seen"] > ghost["last_seen"]

    dry = await api.post(f"/drift/{ghost['id']}/fix", headers=operator(gw))
    assert dry.status_code == 200, dry.text
    assert (dry.json()["applied"], dry.json()["deployment_id"]) == (False, deployment_id)
    assert dry.json()["finding"]["status"] == "open"
    fixed = await api.post(
        f"/drift/{ghost['id']}/fix", params={"confirm": "true"}, headers=operator(gw)
    )
    assert fixed.status_code == 200, fixed.text
    assert fixed.json()["applied"] is True
    assert fixed.json()["finding"]["status"] == "closed"
    [resource] = await resources_of(api, gw, tenant_id=tenant)
    assert resource["status"] == "released"
    closed = await api.get("/drift", params={"status": "closed"}, headers=operator(gw))
    assert ghost["id"] in {f["id"] for f in closed.json()["items"]}
    twice = await api.post(
        f"/drift/{ghost['id']}/fix", params={"confirm": "true"}, headers=operator(gw)
    )
    assert twice.status_code == 409
    for refused in (
        await api.get("/drift", headers=gw.auth(tenant, roles=["admin"])),
        await api.post("/drift/scan", headers=gw.auth(tenant, roles=["admin"])),
        await api.post(f"/drift/{ghost['id']}/fix", headers=gw.auth(tenant)),
    ):
        assert refused.status_code == 403


async def test_tenants_see_their_own_inventory_operators_everyones(
    api: httpx.AsyncClient, stack: GatewayStack
) -> None:
    gw, mine, theirs = stack.gateway, unique("tenant"), unique("tenant")
    await droplet_became_active(gw, mine, str(uuid.uuid4()))
    await droplet_became_active(gw, theirs, str(uuid.uuid4()))
    await resources_of(api, gw, tenant_id=mine)
    await resources_of(api, gw, tenant_id=theirs)

    own = await api.get("/inventory", headers=gw.auth(mine))
    assert own.status_code == 200, own.text
    assert {i["tenant_id"] for i in own.json()["items"]} == {mine}
    [item] = own.json()["items"]
    assert (item["kind"], item["monthly_cost_cents"], item["priced"]) == ("droplet", 600, True)
    assert (
        await api.get("/inventory", params={"tenant_id": theirs}, headers=gw.auth(mine))
    ).status_code == 403
    everyone = await api.get("/inventory", params={"limit": 500}, headers=operator(gw))
    assert {mine, theirs} <= {i["tenant_id"] for i in everyone.json()["items"]}
    only = await api.get(
        "/inventory", params={"tenant_id": theirs, "kind": "droplet"}, headers=operator(gw)
    )
    assert {i["tenant_id"] for i in only.json()["items"]} == {theirs}
    first = await api.get("/inventory", params={"limit": 1}, headers=operator(gw))
    cursor = first.json()["next_cursor"]
    assert cursor is not None
    second = await api.get(
        "/inventory", params={"limit": 1, "cursor": cursor}, headers=operator(gw)
    )
    assert second.json()["items"][0]["id"] != first.json()["items"][0]["id"]


async def test_margin_sets_the_deployments_cloud_cost_against_its_subscription(
    api: httpx.AsyncClient, stack: GatewayStack
) -> None:
    gw, tenant = stack.gateway, unique("tenant")
    created = await api.post("/deployments", json={"slug": "shop"}, headers=gw.auth(tenant))
    shop = created.json()
    subscribed = await api.post(
        f"/deployments/{shop['id']}/subscribe",
        json={"plan_code": "studio"},
        headers=gw.auth(tenant),
    )
    revenue = subscribed.json()["monthly_total_cents"]
    await droplet_became_active(gw, tenant, shop["id"])
    [resource] = await resources_of(api, gw, deployment_id=shop["id"])

    async def costed() -> Any:
        margin = await api.get(
            "/dashboard/margin", params={"tenant_id": tenant}, headers=operator(gw)
        )
        rows = margin.json()["rows"]
        return rows if rows and rows[0]["cost_cents"] else None

    [row] = await eventually(costed, timeout_s=30)
    assert row["deployment_id"] == shop["id"]
    assert (row["revenue_cents"], row["cost_cents"]) == (revenue, resource["monthly_cost_cents"])
    assert row["margin_cents"] == revenue - resource["monthly_cost_cents"]
