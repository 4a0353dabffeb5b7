"""Pure drift findings: what a comparison becomes, when an orphan waits, how each is fixed."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from arcadia_inventory.domain import Resource, droplet_resource
from arcadia_inventory.drift import CloudDroplet, detect_drift
from arcadia_inventory.findings import (
    CloudRecord,
    FindingKind,
    HeldRecord,
    droplet_findings,
    fix_action,
    record_findings,
)

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def cloud(
    droplet_id: int, *tags: str, created: datetime = NOW - timedelta(hours=1), **kw: str
) -> CloudDroplet:
    return CloudDroplet(
        id=str(droplet_id),
        name=f"d{droplet_id}",
        status="active",
        tags=tags,
        region=kw.get("region", "nyc3"),
        size=kw.get("size", "s-1vcpu-1gb"),
        ip_address=kw.get("ip", "203.0.113.1"),
        created_at=created.isoformat().replace("+00:00", "Z"),
    )


def held(droplet_id: int) -> Resource:
    return droplet_resource(
        droplet_id=droplet_id,
        region="nyc3",
        size="s-1vcpu-1gb",
        ip_address="203.0.113.1",
        tenant_id="t",
        deployment_id=uuid.uuid4(),
        saga_id=uuid.uuid4(),
    )


def test_ghosts_mismatches_and_orphans_become_findings_with_stable_keys() -> None:
    gone, moved = held(1), held(2)
    report = detect_drift(
        [gone, moved],
        [cloud(2, "arcadia", size="s-2vcpu-2gb", region="ams3"), cloud(3, "arcadia"), cloud(4)],
        {},
    )
    found = droplet_findings(report, now=NOW, grace=timedelta(minutes=5))
    keys = sorted(f.key for f in found)
    assert keys == [
        "ghost:droplet:1:",
        "mismatch:droplet:2:region",
        "mismatch:droplet:2:size",
        "orphan:droplet:3:",
    ]
    size = next(f for f in found if f.field == "size")
    assert (size.expected, size.actual, size.resource_id) == (
        "s-1vcpu-1gb",
        "s-2vcpu-2gb",
        moved.id,
    )


def test_a_young_droplet_or_a_freshly_released_one_is_not_an_orphan_yet() -> None:
    report = detect_drift(
        [], [cloud(5, "arcadia", created=NOW - timedelta(seconds=30)), cloud(6, "saga:x")], {}
    )
    assert (
        droplet_findings(report, now=NOW, grace=timedelta(minutes=5), recently_released={"6"}) == []
    )
    later = droplet_findings(report, now=NOW + timedelta(minutes=10), grace=timedelta(minutes=5))
    assert [f.kind for f in later] == [FindingKind.ORPHAN, FindingKind.ORPHAN]


def test_records_gone_or_edited_are_ghosts_and_content_mismatches() -> None:
    ours = [
        HeldRecord(
            id=uuid.uuid4(),
            record_id=str(n),
            fqdn=f"a{n}.x.test",
            content="198.18.0.1",
            tenant_id="t",
            deployment_id=uuid.uuid4(),
        )
        for n in (1, 2, 3)
    ]
    there = [
        CloudRecord(id="1", type="A", name="a1", data="198.18.0.1"),
        CloudRecord(id="2", type="A", name="a2", data="198.51.100.7"),
    ]
    found = {f.key: f for f in record_findings(ours, there)}
    assert set(found) == {"mismatch:dns_record:2:content", "ghost:dns_record:3:"}
    edited = found["mismatch:dns_record:2:content"]
    assert (edited.expected, edited.actual) == ("198.18.0.1", "198.51.100.7")


def test_each_kind_has_its_fix_and_a_dead_droplet_has_none() -> None:
    assert fix_action("orphan", "droplet", None) == "destroy the droplet at the provider"
    assert "release" in (fix_action("ghost", "dns_record", None) or "")
    assert "repair" in (fix_action("mismatch", "dns_record", "content") or "")
    assert fix_action("mismatch", "droplet", "status") is None
