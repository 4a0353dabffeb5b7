"""DNS records from the saga's DNS events, the inventory listing (unpriced sizes shown as such),
and drift scans that run by themselves on a schedule, against the real Kafka and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from arcadia_cloudsim.admin import SimAdmin
from arcadia_cloudsim.embedded import running_cloudsim
from arcadia_contracts import topics
from arcadia_contracts.events.inventory import InventoryCorrected
from arcadia_contracts.events.provisioner import DnsPointed, DnsReverted
from arcadia_inventory.config import InventorySettings
from arcadia_testing.plugin import Infra, eventually
from services.inventory.tests.support import (
    Inventory,
    Saga,
    fresh_database,
    fresh_namespace,
    next_droplet_id,
    running_inventory,
)

pytestmark = pytest.mark.integration
DOMAIN = "apps.arcadia.test"


def pointed(saga: Saga, record_id: int, ip: str = "198.18.0.9") -> Any:
    return saga.event(
        DnsPointed(record_id=record_id, fqdn=f"shop.{saga.tenant_id}.{DOMAIN}", ip_address=ip),
        "provisioner",
    )


async def items(inventory: Inventory, **params: Any) -> list[dict[str, Any]]:
    got = await inventory.http.get("/internal/v1/inventory", params=params)
    assert got.status_code == 200, got.text
    found: list[dict[str, Any]] = got.json()["items"]
    return found


async def test_a_pointed_record_is_held_with_its_droplet_and_released_with_it(
    inventory: Inventory,
) -> None:
    saga = Saga()
    active = saga.droplet_active(next_droplet_id(), size="g-32vcpu-128gb")
    record = pointed(saga, 900_001)
    await inventory.publish(topics.PROVISIONER, active, record, record)  # a redelivery
    await inventory.wait_handled(active, record)

    held = await items(inventory, deployment_id=str(saga.deployment_id))
    by_kind = {item["kind"]: item for item in held}
    assert sorted(by_kind) == ["dns_record", "droplet"]
    assert (by_kind["droplet"]["monthly_cost_cents"], by_kind["droplet"]["priced"]) == (None, False)
    dns = by_kind["dns_record"]
    assert (dns["provider_id"], dns["ip_address"], dns["status"]) == (
        "900001",
        "198.18.0.9",
        "active",
    )
    assert (dns["monthly_cost_cents"], dns["priced"], dns["region"]) == (0, True, None)
    [registered] = [
        e for e in await inventory.wait_published(saga, 2) if e.type == "ResourceRegistered"
    ]
    assert (registered.payload.monthly_cost_cents, registered.payload.priced) == (0, False)  # type: ignore[attr-defined]

    teardown = saga.teardown()
    await inventory.publish(topics.DEPLOYMENTS, teardown)
    await inventory.wait_handled(teardown)
    after = await items(inventory, deployment_id=str(saga.deployment_id))
    assert {item["status"] for item in after} == {"released"}
    only_dns = await items(inventory, deployment_id=str(saga.deployment_id), kind="dns_record")
    assert [item["kind"] for item in only_dns] == ["dns_record"]


async def test_a_record_of_an_aborted_saga_is_not_held_and_a_reverted_one_is_released(
    inventory: Inventory,
) -> None:
    aborted, kept = Saga(), Saga()
    abort = aborted.aborted(topics.BILLING)
    late = pointed(aborted, 900_002)
    await inventory.publish(topics.BILLING, abort)
    await inventory.publish(topics.PROVISIONER, aborted.droplet_active(next_droplet_id()), late)
    await inventory.wait_handled(abort, late)
    assert await items(inventory, deployment_id=str(aborted.deployment_id)) == []

    active, record = kept.droplet_active(next_droplet_id()), pointed(kept, 900_003)
    reverted = kept.event(DnsReverted(record_id=900_003, fqdn="x"), "provisioner")
    await inventory.publish(topics.PROVISIONER, active, record, reverted)
    await inventory.wait_handled(active, record, reverted)
    [dns] = await items(inventory, deployment_id=str(kept.deployment_id), kind="dns_record")
    assert dns["status"] == "released"


async def test_inventory_pages_by_keyset_and_refuses_half_a_cursor(inventory: Inventory) -> None:
    tenant = Saga().tenant_id
    sagas = [Saga(tenant_id=tenant) for _ in range(3)]
    events = [s.droplet_active(next_droplet_id()) for s in sagas]
    await inventory.publish(topics.PROVISIONER, *events)
    await inventory.wait_handled(*events)
    seen: list[str] = []
    params: dict[str, Any] = {"tenant_id": tenant, "limit": 2}
    while True:
        got = (await inventory.http.get("/internal/v1/inventory", params=params)).json()
        seen += [item["id"] for item in got["items"]]
        if not got["more"]:
            break
        last = got["items"][-1]
        params |= {"after_registered_at": last["registered_at"], "after_id": last["id"]}
    assert len(seen) == len(set(seen)) == 3
    half = await inventory.http.get("/internal/v1/inventory", params={"after_id": seen[0]})
    assert half.status_code == 400
    assert half.headers["content-type"].startswith("application/problem+json")


def sim_url(inventory: Inventory) -> str:
    settings = inventory.runtime.settings
    assert isinstance(settings, InventorySettings)
    return settings.do_base_url


@pytest.fixture
async def scheduled(infra: Infra) -> AsyncIterator[Inventory]:
    """An inventory whose drift scans run every half second by themselves, on an empty cloud."""
    with running_cloudsim() as sim:
        async with fresh_database(infra) as database_url:
            namespace = await fresh_namespace(infra)
            async with running_inventory(
                infra,
                database_url,
                namespace,
                do_base_url=sim,
                drift_scan_interval_s=0.5,
                drift_grace_s=0,
            ) as service:
                yield service


async def test_scans_run_on_their_schedule_and_keep_what_they_find(scheduled: Inventory) -> None:
    saga = Saga()
    lost = saga.droplet_active(next_droplet_id())  # the cloud never had it: a ghost
    await scheduled.publish(topics.PROVISIONER, lost)
    await scheduled.wait_handled(lost)

    async def found() -> list[Any] | None:
        rows = await scheduled.fetch(
            "SELECT id, first_seen, last_seen FROM drift_findings WHERE kind = 'ghost'"
        )
        return rows if rows and rows[0]["last_seen"] > rows[0]["first_seen"] else None

    [ghost] = await eventually(found, timeout_s=30)
    scans = await scheduled.fetch(
        "SELECT count(*) AS n FROM drift_scans WHERE trigger = 'schedule' AND status = 'done'"
    )
    assert scans[0]["n"] >= 2
    published = await scheduled.published(saga)
    assert [e.type for e in published].count("DriftDetected") == 1  # once, when it opened
    first = await scheduled.http.post("/internal/v1/drift/scans")
    second = await scheduled.http.post("/internal/v1/drift/scans")
    assert first.status_code == second.status_code == 202
    listed = await scheduled.http.get("/internal/v1/drift/findings", params={"status": "open"})
    assert [f["id"] for f in listed.json()["items"]] == [str(ghost["id"])]
    missing = await scheduled.http.post(f"/internal/v1/drift/findings/{saga.saga_id}/fix")
    assert missing.status_code == 404

    # The provider failing every try of one listing: that scan fails, the finding stays open.
    async with SimAdmin(sim_url(scheduled)) as sim:
        await sim.inject("droplets.list", 500, count=3)

    async def failed() -> bool:
        rows = await scheduled.fetch("SELECT error FROM drift_scans WHERE status = 'failed'")
        return bool(rows)

    await eventually(failed, timeout_s=30)
    still = await scheduled.fetch("SELECT status FROM drift_findings WHERE id = $1", ghost["id"])
    assert [row["status"] for row in still] == ["open"]


@pytest.fixture
async def on_demand(infra: Infra) -> AsyncIterator[Inventory]:
    """An inventory that scans only when asked, on a fresh cloud."""
    with running_cloudsim() as sim:
        async with fresh_database(infra) as database_url:
            namespace = await fresh_namespace(infra)
            async with running_inventory(
                infra,
                database_url,
                namespace,
                do_base_url=sim,
                drift_scan_interval_s=0,
                drift_grace_s=0,
            ) as service:
                yield service


async def scan_done(inventory: Inventory) -> dict[str, Any]:
    asked = await inventory.http.post("/internal/v1/drift/scans")
    assert asked.status_code == 202, asked.text

    async def done() -> dict[str, Any] | None:
        got = await inventory.http.get(f"/internal/v1/drift/scans/{asked.json()['id']}")
        body: dict[str, Any] = got.json()
        return body if body["status"] in ("done", "failed") else None

    result: dict[str, Any] = await eventually(done, timeout_s=30)
    return result


async def test_a_droplet_mismatch_is_fixed_by_taking_the_providers_value(
    on_demand: Inventory,
) -> None:
    saga = Saga()
    async with httpx.AsyncClient(
        base_url=sim_url(on_demand), headers={"Authorization": "Bearer t"}
    ) as cloud:
        made = await cloud.post(
            "/v2/droplets",
            json={
                "name": "moved",
                "region": "nyc3",
                "size": "s-1vcpu-2gb",
                "image": "ubuntu-24-04-x64",
                "tags": ["arcadia", f"saga:{saga.saga_id}"],
            },
        )
        droplet_id = made.json()["droplet"]["id"]
        seen = (await cloud.get(f"/v2/droplets/{droplet_id}")).json()["droplet"]
    ip = next(n["ip_address"] for n in seen["networks"]["v4"] if n["type"] == "public")
    # The inventory was told another region and size than the provider holds.
    active = saga.droplet_active(droplet_id, region="ams3", size="s-1vcpu-1gb", ip_address=ip)
    await on_demand.publish(topics.PROVISIONER, active)
    await on_demand.wait_handled(active)

    scanned = await scan_done(on_demand)
    assert (scanned["status"], scanned["found"]) == ("done", 2)
    listed = (await on_demand.http.get("/internal/v1/drift/findings")).json()["items"]
    by_field = {f["field"]: f for f in listed}
    assert set(by_field) == {"region", "size"}
    dry = await on_demand.http.post(f"/internal/v1/drift/findings/{by_field['size']['id']}/fix")
    assert (dry.status_code, dry.json()["applied"]) == (200, False)
    for finding in by_field.values():
        fixed = await on_demand.http.post(
            f"/internal/v1/drift/findings/{finding['id']}/fix", params={"confirm": "true"}
        )
        assert fixed.status_code == 200, fixed.text
        assert fixed.json()["finding"]["status"] == "closed"
    [resource] = await on_demand.resources(saga)
    assert (resource["region"], resource["size"], resource["monthly_cost_cents"]) == (
        "nyc3",
        "s-1vcpu-2gb",
        1200,
    )
    after = await scan_done(on_demand)
    assert (after["found"], after["opened"], after["closed"]) == (0, 0, 0)
    # Each fix is announced, with what it changed: the inventory stays rebuildable.
    published = [e.payload for e in await on_demand.published()]
    corrected = [p for p in published if isinstance(p, InventoryCorrected)]
    assert sorted((c.action, c.field, c.value, c.monthly_cost_cents) for c in corrected) == [
        ("take_provider_value", "region", "nyc3", None),
        ("take_provider_value", "size", "s-1vcpu-2gb", 1200),
    ]
    assert await rebuilt(on_demand) == ("swapped", 0)
    [again] = await on_demand.resources(saga)
    assert again == resource


async def rebuilt(inventory: Inventory) -> tuple[str, int]:
    """Rebuild the inventory's resources from the topics and swap them in: (status, differing)."""
    started = await inventory.http.post("/internal/v1/rebuilds/resources", json={"swap": True})
    assert started.status_code == 202, started.text

    async def finished() -> dict[str, Any] | None:
        body: dict[str, Any] = (await inventory.http.get("/internal/v1/rebuilds/resources")).json()
        return body if body["status"] != "running" else None

    done = await eventually(finished, timeout_s=60)
    assert done["error"] is None, done["error"]
    return done["status"], done["differing_rows"]
