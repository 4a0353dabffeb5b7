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


@dataclass(frozen=True)
class PointDns:
    """Create a record, update `record_id` to our IP, or keep `record_id` (already ours)."""

    action: str  # "create" | "update" | "keep"
    record_id: int | None = None


def plan_point(existing: Sequence[CloudRecord], ip: str) -> PointDns:
    target = next(iter(a_records(existing)), None)
    if target is None:
        return PointDns("create")
    if target.data != ip:
        return PointDns("update", target.id)
    return PointDns("keep", target.id)


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
