"""Plans decide the hardware: a provisioning takes its droplet size from the plan version, a
request naming another size is a 422 listing the allowed ones, and billing's reservation carries
the plan's size to the provisioner (real billing process, real Kafka)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from arcadia_contracts import decode, topics
from arcadia_contracts.events.billing import SubscriptionReserved
from arcadia_contracts.events.deployments import DeploymentProvisioningRequested
from arcadia_platform.topicnames import TopicNames
from arcadia_testing.gateway import Gateway
from arcadia_testing.plugin import eventually, read_topic, unique
from arcadia_testing.upstreams import GatewayStack


@pytest.fixture
async def api(stack: GatewayStack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=f"{stack.gateway.url}/api/v1", timeout=20) as http:
        yield http


def provisioning(slug: str, **body: Any) -> dict[str, Any]:
    return {"slug": slug, "provision": True, "region": "fra1", **body}


async def saga_event(gw: Gateway, topic: str, deployment_id: str, kind: type) -> Any:
    async def found() -> Any:
        physical = TopicNames(gw.namespace).physical(topic)
        events = [decode(r.value) for r in await read_topic(gw.kafka, physical)]
        mine = [
            e.payload
            for e in events
            if str(e.deployment_id) == deployment_id and isinstance(e.payload, kind)
        ]
        return mine[0] if mine else None

    return await eventually(found, timeout_s=30)


@pytest.mark.parametrize(
    ("plan", "size", "allowed"),
    [
        ("studio", "s-8vcpu-32gb", ["s-1vcpu-1gb"]),
        ("studio_pro", "s-1vcpu-1gb", ["s-2vcpu-4gb"]),
        (None, "s-2vcpu-4gb", ["s-1vcpu-1gb"]),  # no plan named: billing's default, studio
    ],
)
async def test_a_size_the_plan_does_not_give_is_a_422_naming_the_allowed_ones(
    stack: GatewayStack, api: httpx.AsyncClient, plan: str | None, size: str, allowed: list[str]
) -> None:
    gw, tenant = stack.gateway, unique("hw")
    body = provisioning("big", size=size, **({"plan_code": plan} if plan else {}))

    refused = await api.post("/deployments", json=body, headers=gw.auth(tenant))

    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    problem = refused.json()
    assert problem["type"].endswith("/size-not-allowed")
    assert problem["allowed_sizes"] == allowed
    assert size in problem["detail"]
    listed = await api.get("/deployments", headers=gw.auth(tenant))
    assert listed.json()["items"] == []  # nothing was created


@pytest.mark.parametrize(
    ("plan", "expected"), [("studio", "s-1vcpu-1gb"), ("studio_pro", "s-2vcpu-4gb")]
)
async def test_the_plan_decides_the_size_and_the_reservation_carries_it(
    stack: GatewayStack, api: httpx.AsyncClient, plan: str, expected: str
) -> None:
    gw, tenant = stack.gateway, unique("hw")

    without = await api.post(
        "/deployments", json=provisioning("auto", plan_code=plan), headers=gw.auth(tenant)
    )
    named = await api.post(
        "/deployments",
        json=provisioning("named", plan_code=plan, size=expected),
        headers=gw.auth(tenant),
    )

    for started in (without, named):
        assert started.status_code == 202, started.text
        deployment_id = started.json()["deployment"]["id"]
        asked = await saga_event(
            gw, topics.DEPLOYMENTS, deployment_id, DeploymentProvisioningRequested
        )
        assert asked.size == expected
        reserved = await saga_event(gw, topics.BILLING, deployment_id, SubscriptionReserved)
        assert (reserved.plan_code, reserved.droplet_size) == (plan, expected)
