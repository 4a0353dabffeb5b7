"""DNS diffing: what to remember, create or update when pointing a name, and how to undo it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from arcadia_provisioner.domain.cloud import CloudRecord
from arcadia_provisioner.domain.model import PreviousRecord


def a_records(records: Sequence[CloudRecord]) -> list[CloudRecord]:
    return [r for r in records if r.type == "A"]


def previous_record(existing: Sequence[CloudRecord], ip: str) -> PreviousRecord | None:
    """The A record that was there before us (one not already pointing at our IP), if any."""
    previous = next((r for r in a_records(existing) if r.data != ip), None)
    return PreviousRecord(previous.id, previous.data) if previous else None


DNS_CONFLICT = "dns_conflict"


class DnsConflictError(Exception):
    """The name already has an A record this saga did not create: it is never overwritten (it
    may be another tenant's, or an operator's); the step fails for good and the saga compensates."""

    def __init__(self, fqdn: str, record: CloudRecord) -> None:
        super().__init__(
            f"{DNS_CONFLICT}: {fqdn} already has A record {record.id} -> {record.data},"
            " which this saga did not create"
        )
        self.fqdn = fqdn
        self.record = record


@dataclass(frozen=True)
class PointDns:
    """Create a record, or keep `record_id` (ours: it already points at the saga's droplet)."""

    action: str  # "create" | "keep"
    record_id: int | None = None


def plan_point(existing: Sequence[CloudRecord], ip: str, fqdn: str) -> PointDns:
    """An A record at the name pointing elsewhere was not made by this saga (its droplet's
    address is its own): DnsConflictError. Ours from an earlier attempt is kept."""
    records = a_records(existing)
    foreign = next((r for r in records if r.data != ip), None)
    if foreign is not None:
        raise DnsConflictError(fqdn, foreign)
    if records:
        return PointDns("keep", records[0].id)
    return PointDns("create")


@dataclass(frozen=True)
class RevertDns:
    """Restore `record_id` to `data`, delete it, or nothing to do; `record_id` is reported."""

    action: str  # "restore" | "delete" | "none"
    record_id: int | None
    data: str | None = None


def plan_revert(
    records: Sequence[CloudRecord],
    previous: PreviousRecord | None,
    ip: str | None,
    recorded_id: int | None,
) -> RevertDns:
    """Put the name back as it was before the saga: restore what we replaced, or delete ours."""
    for record in a_records(records):
        if previous is not None and record.id == previous.id:
            if record.data != previous.data:
                return RevertDns("restore", record.id, previous.data)
            return RevertDns("none", record.id)
        if record.data == ip:
            return RevertDns("delete", record.id)
    return RevertDns("none", recorded_id)
