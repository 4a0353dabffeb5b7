"""Drift findings: what a scan reports, one row per disagreement, and how each is fixed. Pure."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID

from arcadia_inventory.domain import DNS_RECORD, DROPLET
from arcadia_inventory.drift import DriftReport


class FindingKind(StrEnum):
    ORPHAN = "orphan"  # a droplet tagged as ours that the inventory does not hold
    GHOST = "ghost"  # an active resource (droplet or DNS record) the provider no longer has
    MISMATCH = "mismatch"  # both exist, and `field` differs


@dataclass(frozen=True, kw_only=True)
class Finding:
    kind: FindingKind
    subject_kind: str  # droplet | dns_record
    subject: str  # the provider's id
    field: str | None = None
    expected: str | None = None  # what the inventory holds
    actual: str | None = None  # what the provider says
    resource_id: UUID | None = None
    tenant_id: str | None = None
    deployment_id: UUID | None = None
    detail: dict[str, Any] | None = None

    @property
    def key(self) -> str:
        """Who it is across scans: the same disagreement found again is the same finding."""
        return f"{self.kind}:{self.subject_kind}:{self.subject}:{self.field or ''}"


@dataclass(frozen=True, kw_only=True)
class HeldRecord:
    """An active DNS record of the inventory: its own id, the provider's, and its content."""

    id: UUID
    record_id: str
    fqdn: str
    content: str
    tenant_id: str
    deployment_id: UUID


@dataclass(frozen=True, kw_only=True)
class CloudRecord:
    id: str
    type: str
    name: str
    data: str


def _young(created_at: str | None, now: datetime, grace: timedelta) -> bool:
    if not created_at or grace <= timedelta(0):
        return False
    try:
        created = datetime.fromisoformat(created_at.replace("Z", "+00:00"))
    except ValueError:
        return False
    return now - created < grace


def droplet_findings(
    report: DriftReport,
    *,
    now: datetime,
    grace: timedelta,
    recently_released: Collection[str] = (),
) -> list[Finding]:
    """Ghosts, mismatches (one per field) and orphans of a droplet comparison.

    A tagged droplet younger than `grace`, or whose resource was released less than `grace`
    ago, is not an orphan yet: a saga or a teardown may be half way."""
    found = [
        Finding(
            kind=FindingKind.GHOST,
            subject_kind=DROPLET,
            subject=r.provider_id,
            resource_id=r.id,
            tenant_id=r.tenant_id,
            deployment_id=r.deployment_id,
        )
        for r in report.missing_in_cloud
    ]
    for m in report.mismatched:
        found.extend(
            Finding(
                kind=FindingKind.MISMATCH,
                subject_kind=DROPLET,
                subject=m.resource.provider_id,
                field=f.field,
                expected=f.inventory,
                actual=f.cloud,
                resource_id=m.resource.id,
                tenant_id=m.resource.tenant_id,
                deployment_id=m.resource.deployment_id,
            )
            for f in m.fields
        )
    for u in report.unmanaged_in_cloud:
        d = u.droplet
        if _young(d.created_at, now, grace) or d.id in recently_released:
            continue
        found.append(
            Finding(
                kind=FindingKind.ORPHAN,
                subject_kind=DROPLET,
                subject=d.id,
                detail={"name": d.name, "tags": list(d.tags), "inventory": u.inventory_status},
            )
        )
    return found


def record_findings(held: Sequence[HeldRecord], cloud: Iterable[CloudRecord]) -> list[Finding]:
    """Ghosts (the record is gone) and content mismatches of the inventory's active records."""
    by_id = {record.id: record for record in cloud}
    found: list[Finding] = []
    for record in held:
        there = by_id.get(record.record_id)
        if there is not None and there.data == record.content:
            continue
        found.append(
            Finding(
                kind=FindingKind.GHOST if there is None else FindingKind.MISMATCH,
                subject_kind=DNS_RECORD,
                subject=record.record_id,
                field=None if there is None else "content",
                expected=None if there is None else record.content,
                actual=None if there is None else there.data,
                resource_id=record.id,
                tenant_id=record.tenant_id,
                deployment_id=record.deployment_id,
                detail={"fqdn": record.fqdn},
            )
        )
    return found


def fix_action(kind: str, subject_kind: str, field: str | None) -> str | None:
    """What fixing such a finding does, or None when it cannot be fixed by us."""
    if kind == FindingKind.ORPHAN:
        return "destroy the droplet at the provider"
    if kind == FindingKind.GHOST:
        return f"release the {subject_kind} in the inventory (the provider no longer has it)"
    if subject_kind == DNS_RECORD and field == "content":
        return "repair the DNS record at the provider: point it back at the inventory's content"
    if subject_kind == DROPLET and field in ("ip_address", "region", "size"):
        return f"take the provider's {field} into the inventory (the droplet is what it is)"
    return None
