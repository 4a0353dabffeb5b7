"""The internal HTTP API: listings, one resource, costs, and problem+json for every bad input."""

from __future__ import annotations

import uuid

import pytest

from arcadia_contracts import topics
from services.inventory.tests.support import Inventory, Saga, next_droplet_id

pytestmark = pytest.mark.integration


async def register(inventory: Inventory, saga: Saga, size: str = "s-1vcpu-1gb") -> str:
    await inventory.publish(topics.PROVISIONER, saga.droplet_active(next_droplet_id(), size=size))
    events = await inventory.wait_published(saga, 2)
    resource_id: str = events[0].payload.resource_id  # type: ignore[attr-defined]
    return resource_id


async def test_resources_are_listed_by_tenant_deployment_and_status(inventory: Inventory) -> None:
    tenant = f"tenant-{uuid.uuid4().hex[:8]}"
    kept, released = Saga(tenant_id=tenant), Saga(tenant_id=tenant)
    kept_id = await register(inventory, kept)
    released_id = await register(inventory, released)
    await inventory.publish(topics.BILLING, released.aborted(topics.BILLING))
    await inventory.wait_published(released, 3)

    everything = await inventory.http.get("/internal/v1/resources", params={"tenant_id": tenant})
    active = await inventory.http.get(
        "/internal/v1/resources", params={"tenant_id": tenant, "status": "active"}
    )
    one = await inventory.http.get(
        "/internal/v1/resources", params={"deployment_id": str(released.deployment_id)}
    )
    paged = await inventory.http.get(
        "/internal/v1/resources", params={"tenant_id": tenant, "limit": 1, "offset": 1}
    )

    assert everything.status_code == 200
    assert sorted(item["id"] for item in everything.json()["items"]) == sorted(
        [kept_id, released_id]
    )
    assert [item["id"] for item in active.json()["items"]] == [kept_id]
    (item,) = one.json()["items"]
    assert (item["id"], item["status"], item["linked_deployment_id"]) == (
        released_id,
        "released",
        None,
    )
    assert paged.json()["limit"] == 1
    assert [item["id"] for item in paged.json()["items"]] == [released_id]


async def test_one_resource_is_shown_with_its_link(inventory: Inventory) -> None:
    saga = Saga()
    resource_id = await register(inventory, saga, size="s-2vcpu-2gb")

    response = await inventory.http.get(f"/internal/v1/resources/{resource_id}")

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == resource_id
    assert body["tenant_id"] == saga.tenant_id
    assert body["deployment_id"] == body["linked_deployment_id"] == str(saga.deployment_id)
    assert body["saga_id"] == str(saga.saga_id)
    assert (body["monthly_cost_cents"], body["currency"], body["status"]) == (1800, "USD", "active")


async def test_costs_sum_the_active_resources_per_deployment_and_tenant(
    inventory: Inventory,
) -> None:
    tenant = f"tenant-{uuid.uuid4().hex[:8]}"
    small, large, gone = Saga(tenant_id=tenant), Saga(tenant_id=tenant), Saga(tenant_id=tenant)
    await register(inventory, small, "s-1vcpu-1gb")
    await register(inventory, large, "s-2vcpu-4gb")
    await register(inventory, gone, "s-8vcpu-16gb")
    await inventory.publish(topics.DEPLOYMENTS, gone.teardown())
    await inventory.wait_published(gone, 3)

    response = await inventory.http.get("/internal/v1/costs", params={"tenant_id": tenant})

    assert response.status_code == 200
    body = response.json()
    per_deployment = {d["deployment_id"]: d["monthly_cost_cents"] for d in body["deployments"]}
    assert per_deployment == {str(small.deployment_id): 600, str(large.deployment_id): 2400}
    assert body["tenants"] == [
        {"tenant_id": tenant, "currency": "USD", "monthly_cost_cents": 3000, "resources": 2}
    ]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/internal/v1/resources?colour=blue", 400),
        ("/internal/v1/resources?deployment_id=not-a-uuid", 400),
        ("/internal/v1/resources?status=destroyed", 400),
        ("/internal/v1/resources?status=", 400),
        ("/internal/v1/resources?limit=0", 400),
        ("/internal/v1/resources?limit=abc", 400),
        ("/internal/v1/resources?limit=99999999999999999999999", 400),
        ("/internal/v1/resources?offset=-1", 400),
        ("/internal/v1/resources?offset=9223372036854775808", 400),
        ("/internal/v1/resources?tenant_id=a&tenant_id=b", 400),
        ("/internal/v1/resources?tenant_id=%00", 400),
        ("/internal/v1/resources?tenant_id=", 400),
        ("/internal/v1/resources/not-a-uuid", 404),
        ("/internal/v1/resources/%00", 404),
        (f"/internal/v1/resources/{uuid.uuid4()}", 404),
        ("/internal/v1/costs?tenant=x", 400),
        ("/internal/v1/drift?verbose=1", 400),
        ("/internal/v1/nothing-here", 404),
    ],
)
async def test_bad_input_is_answered_with_a_problem_never_a_server_error(
    inventory: Inventory, path: str, status: int
) -> None:
    response = await inventory.http.get(path)

    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == status
    assert problem["title"]
    assert problem["instance"]


async def test_a_write_method_is_refused_with_a_problem(inventory: Inventory) -> None:
    response = await inventory.http.post("/internal/v1/resources", json={"id": "x"})

    assert response.status_code == 405
    assert response.headers["content-type"].startswith("application/problem+json")
