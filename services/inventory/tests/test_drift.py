"""Drift detection against a stand-in DigitalOcean API served on a loopback port."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from litestar import Litestar, Request, Response, get

from arcadia_contracts import topics
from arcadia_testing.plugin import Infra
from services.inventory.tests.support import (
    Inventory,
    Saga,
    fresh_database,
    fresh_namespace,
    next_droplet_id,
    running_inventory,
    served,
)

pytestmark = pytest.mark.integration
TOKEN = "drift-test-token"
PAGE_SIZE = 2  # the stand-in pages by 2 whatever is asked, so that paging is exercised


def do_droplet(
    droplet_id: int,
    *,
    tags: list[str],
    status: str = "active",
    region: str = "nyc3",
    size: str = "s-1vcpu-1gb",
    ip_address: str = "203.0.113.10",
) -> dict[str, Any]:
    """A droplet in DigitalOcean's v2 shape (the fields drift reads, plus some it ignores)."""
    return {
        "id": droplet_id,
        "name": f"droplet-{droplet_id}",
        "memory": 1024,
        "status": status,
        "tags": tags,
        "region": {"slug": region, "name": region.upper()},
        "size_slug": size,
        "networks": {
            "v4": [
                {"ip_address": "10.10.0.5", "type": "private"},
                {"ip_address": ip_address, "type": "public"},
            ],
            "v6": [],
        },
        "created_at": "2026-01-01T00:00:00Z",
    }


@dataclass
class StandInCloud:
    """The simulated cloud provider: GET /v2/droplets over a fixed list, with bearer auth."""

    droplets: list[dict[str, Any]] = field(default_factory=list)
    failing: bool = False
    requests: list[dict[str, str]] = field(default_factory=list)

    def app(self) -> Litestar:
        @get("/v2/droplets", sync_to_thread=False)
        def list_droplets(request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
            query = dict(request.query_params)
            self.requests.append(
                {"authorization": request.headers.get("authorization", ""), **query}
            )
            if request.headers.get("authorization") != f"Bearer {TOKEN}":
                return Response({"id": "unauthorized", "message": "bad token"}, status_code=401)
            if self.failing:
                return Response({"id": "server_error", "message": "boom"}, status_code=500)
            page = int(query.get("page", "1"))
            chunk = self.droplets[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
            more = page * PAGE_SIZE < len(self.droplets)
            links = {"pages": {"next": f"/v2/droplets?page={page + 1}"}} if more else {}
            body = {"droplets": chunk, "links": links, "meta": {"total": len(self.droplets)}}
            return Response(body)

        return Litestar(route_handlers=[list_droplets])


@pytest.fixture(scope="module")
async def cloud() -> AsyncIterator[tuple[StandInCloud, str]]:
    stand_in = StandInCloud()
    async with served(stand_in.app()) as url:
        yield stand_in, url


@pytest.fixture(scope="module")
async def drift_inventory(
    infra: Infra, cloud: tuple[StandInCloud, str]
) -> AsyncIterator[Inventory]:
    """An inventory of its own: drift covers every resource, so no other test may add any."""
    async with fresh_database(infra) as database_url:
        namespace = await fresh_namespace(infra)
        async with running_inventory(
            infra, database_url, namespace, do_base_url=cloud[1], do_token=TOKEN
        ) as service:
            yield service


async def test_drift_reports_missing_unmanaged_and_mismatched_droplets(
    drift_inventory: Inventory, cloud: tuple[StandInCloud, str]
) -> None:
    stand_in, _ = cloud
    inventory = drift_inventory
    in_sync, changed, vanished, released = Saga(), Saga(), Saga(), Saga()
    ids = {saga: next_droplet_id() for saga in (in_sync, changed, vanished, released)}
    for saga, droplet_id in ids.items():
        await inventory.publish(topics.PROVISIONER, saga.droplet_active(droplet_id))
    for saga in ids:
        await inventory.wait_published(saga, 2)
    await inventory.publish(topics.DEPLOYMENTS, released.teardown())
    await inventory.wait_published(released, 3)
    stray_tagged, stray_saga, not_ours = 2001, 2002, 3001
    stand_in.droplets = [
        do_droplet(ids[in_sync], tags=["arcadia", f"saga:{in_sync.saga_id}"]),
        do_droplet(ids[changed], tags=["arcadia"], status="off", ip_address="198.51.100.9"),
        do_droplet(ids[released], tags=[f"saga:{released.saga_id}"]),
        do_droplet(stray_tagged, tags=["arcadia"]),
        do_droplet(stray_saga, tags=["saga:0b7a6f0e-0000-4000-8000-000000000000"]),
        do_droplet(not_ours, tags=["customer-vm"]),
    ]

    response = await inventory.http.get("/internal/v1/drift")

    assert response.status_code == 200
    report = response.json()
    assert report["clean"] is False
    assert (report["resources_checked"], report["droplets_seen"]) == (3, 6)
    (missing,) = report["missing_in_cloud"]
    assert missing["provider_id"] == str(ids[vanished])
    assert missing["deployment_id"] == str(vanished.deployment_id)
    unmanaged = {u["provider_id"]: u["inventory_status"] for u in report["unmanaged_in_cloud"]}
    assert unmanaged == {
        str(ids[released]): "released",
        str(stray_tagged): None,
        str(stray_saga): None,
    }
    (mismatch,) = report["mismatched"]
    assert mismatch["provider_id"] == str(ids[changed])
    assert mismatch["differences"] == [
        {"field": "status", "inventory": "active", "cloud": "off"},
        {"field": "ip_address", "inventory": "203.0.113.10", "cloud": "198.51.100.9"},
    ]
    assert [r["page"] for r in stand_in.requests[-3:]] == ["1", "2", "3"]
    assert {r["per_page"] for r in stand_in.requests} == {"200"}
    assert {r["authorization"] for r in stand_in.requests} == {f"Bearer {TOKEN}"}


async def test_an_unreadable_provider_is_a_bad_gateway_problem(
    drift_inventory: Inventory, cloud: tuple[StandInCloud, str]
) -> None:
    stand_in, _ = cloud
    stand_in.failing = True
    calls_before = len(stand_in.requests)
    try:
        response = await drift_inventory.http.get("/internal/v1/drift", timeout=30)
    finally:
        stand_in.failing = False

    assert response.status_code == 502
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "500" in response.json()["detail"]
    assert len(stand_in.requests) - calls_before == 3  # do_max_attempts: 5xx is retried
