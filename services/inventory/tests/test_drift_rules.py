"""Pure drift comparison: which droplets and resources are reported, and why."""

from __future__ import annotations

import uuid

from arcadia_inventory.domain import Resource, ResourceStatus, droplet_resource
from arcadia_inventory.drift import CloudDroplet, FieldDrift, detect_drift


def active(droplet_id: int, **overrides: str) -> Resource:
    fields = {"region": "nyc3", "size": "s-1vcpu-1gb", "ip_address": "203.0.113.1", **overrides}
    return droplet_resource(
        droplet_id=droplet_id,
        tenant_id="tenant-a",
        deployment_id=uuid.uuid4(),
        saga_id=uuid.uuid4(),
        region=fields["region"],
        size=fields["size"],
        ip_address=fields["ip_address"],
    )


def droplet(droplet_id: int, *tags: str, **overrides: str) -> CloudDroplet:
    fields: dict[str, str] = {
        "status": "active",
        "region": "nyc3",
        "size": "s-1vcpu-1gb",
        "ip_address": "203.0.113.1",
        **overrides,
    }
    return CloudDroplet(id=str(droplet_id), name=f"d{droplet_id}", tags=tuple(tags), **fields)


def test_an_inventory_that_matches_the_cloud_is_clean() -> None:
    report = detect_drift([active(1)], [droplet(1, "arcadia"), droplet(9, "someone-else")], {})

    assert report.clean
    assert (report.resources_checked, report.droplets_seen) == (1, 2)


def test_a_resource_without_its_droplet_is_missing_in_cloud() -> None:
    gone = active(1)

    report = detect_drift([gone], [], {})

    assert report.missing_in_cloud == [gone]


def test_tagged_droplets_without_an_active_resource_are_unmanaged() -> None:
    report = detect_drift(
        [],
        [droplet(1, "arcadia"), droplet(2, "saga:abc"), droplet(3, "web"), droplet(4)],
        {"2": ResourceStatus.RELEASED},
    )

    found = {u.droplet.id: u.inventory_status for u in report.unmanaged_in_cloud}
    assert found == {"1": None, "2": ResourceStatus.RELEASED}


def test_an_untagged_droplet_the_inventory_holds_is_still_compared() -> None:
    report = detect_drift([active(1)], [droplet(1, region="sfo3")], {})

    (mismatch,) = report.mismatched
    assert mismatch.fields == (FieldDrift("region", "nyc3", "sfo3"),)


def test_every_differing_field_of_a_droplet_is_named() -> None:
    report = detect_drift(
        [active(1)],
        [droplet(1, "arcadia", status="off", ip_address="198.51.100.2", size="s-2vcpu-2gb")],
        {},
    )

    (mismatch,) = report.mismatched
    assert [f.field for f in mismatch.fields] == ["status", "ip_address", "size"]
    assert not report.missing_in_cloud
    assert not report.unmanaged_in_cloud
