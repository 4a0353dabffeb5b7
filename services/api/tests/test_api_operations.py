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


async def test_drift_shows_what_the_inventory_and_the_cloud_disagree_on(
    api: httpx.AsyncClient, stack: GatewayStack
) -> None:
    gw, tenant = stack.gateway, unique("tenant")
    lost = await droplet_became_active(gw, tenant, str(uuid.uuid4()))  # not in the cloud
    await resources_of(api, gw, tenant_id=tenant)
    async with httpx.AsyncClient(base_url=stack.upstreams.cloudsim_url) as cloud:
        created = await cloud.post(
            "/v2/droplets",
            json={
                "name": unique("stray").replace("_", "-"),
                "region": "nyc3",
                "size": "s-1vcpu-1gb",
                "image": "ubuntu-24-04-x64",
                "tags": ["arcadia"],
            },
            headers={"Authorization": "Bearer any"},
        )
        assert created.status_code == 202, created.text
        stray = str(created.json()["droplet"]["id"])

    drift = await api.get("/drift", headers=operator(gw))

    assert drift.status_code == 200, drift.text
    report = drift.json()
    assert report["clean"] is False
    assert str(lost) in {m["provider_id"] for m in report["missing_in_cloud"]}
    assert stray in {u["provider_id"] for u in report["unmanaged_in_cloud"]}
    refused = await api.get("/drift", headers=gw.auth(tenant, roles=["admin"]))
    assert refused.status_code == 403


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
