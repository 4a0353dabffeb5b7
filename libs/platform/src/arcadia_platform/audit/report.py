"""The operators' audit report: invariant 6 over every deployment, plus outbox backlog and parked
rows, consumer lag and overdue sagas, each finding with the command that fixes it. Pure: built by
`assemble` from collected facts, by `arcadia audit` and by the gateway's `GET /api/v1/ops/audit`
alike, with one JSON form (`AuditReport.to_json`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from arcadia_platform.audit.invariants import Violation, find_violations
from arcadia_platform.audit.jsonable import plain
from arcadia_platform.audit.views import Saga, World


@dataclass(frozen=True)
class Backlog:
    service: str
    unsent: int
    oldest_unsent_age: timedelta | None
    parked: int


@dataclass(frozen=True)
class Parked:
    service: str
    id: int
    topic: str
    key: str | None
    event_type: str | None
    created_at: datetime
    parked_at: datetime
    park_reason: str | None
    park_count: int


@dataclass(frozen=True)
class PartitionLag:
    topic: str
    partition: int
    committed: int
    end: int
    lag: int


@dataclass(frozen=True)
class GroupLag:
    """A service's consumer group: its state (Stable, Empty...), live members and lag."""

    service: str
    group: str
    state: str
    members: int
    lag: int
    partitions: list[PartitionLag]


# Kinds `arcadia audit fix` repairs, through the owning service's own HTTP path.
FIXABLE = ("outbox_parked", "subscription_missing")
OPEN = ("running", "compensating")


@dataclass(frozen=True)
class Finding:
    kind: str
    deployment_id: str | None
    detail: str
    fix: str  # the command that fixes it, or where an operator looks next
    fixable: bool = False  # `arcadia audit fix` repairs it
    service: str | None = None
    subject: str | None = None  # the row, saga or group the finding is about


@dataclass(frozen=True)
class AuditReport:
    checked_at: datetime
    tenant: str | None
    deployments: int
    findings: list[Finding] = field(default_factory=list)
    backlog: list[Backlog] = field(default_factory=list)
    lag: list[GroupLag] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.findings

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = plain(self)
        body["clean"] = self.clean
        return body


def _latest_saga(world: World, deployment_id: str | None) -> Saga | None:
    sagas = [s for s in world.sagas if s.deployment_id == deployment_id]
    return max(sagas, key=lambda s: s.deadline_at) if sagas else None


def from_violation(world: World, v: Violation) -> Finding:
    saga = _latest_saga(world, v.deployment_id)
    look = f"arcadia saga show {saga.id}" if saga else "arcadia saga list"
    if v.kind == "subscription_mismatch":
        deployment = next((d for d in world.deployments if d.id == v.deployment_id), None)
        has_any = any(s.deployment_id == v.deployment_id for s in world.subscriptions)
        if deployment is not None and deployment.state == "active" and not has_any:
            return Finding(
                "subscription_missing",
                v.deployment_id,
                v.detail,
                f"arcadia audit fix --deployment {v.deployment_id} --yes",
                fixable=True,
                service="billing",
                subject=saga.id if saga else None,
            )
    if v.kind == "saga_overdue":
        overdue = next(
            (s for s in world.sagas if s.deployment_id == v.deployment_id and s.status in OPEN),
            saga,
        )
        look = f"arcadia saga show {overdue.id}" if overdue else look
        return Finding(
            v.kind, v.deployment_id, v.detail, f"{look}  (is the api's deadline timer running?)"
        )
    if v.kind == "outbox_stuck":
        return Finding(
            v.kind, v.deployment_id, v.detail, "arcadia topics  (is the relay publishing?)"
        )
    return Finding(v.kind, v.deployment_id, v.detail, f"{look}  (no automatic fix: repair by hand)")


def from_parked(row: Parked) -> Finding:
    return Finding(
        "outbox_parked",
        row.key,
        f"{row.service} outbox row {row.id} ({row.event_type} to {row.topic}) parked: "
        f"{row.park_reason}",
        f"arcadia outbox release {row.id} --service {row.service}",
        fixable=True,
        service=row.service,
        subject=str(row.id),
    )


def from_lag(group: GroupLag, lag_bound: int) -> Finding | None:
    if group.lag and not group.members:
        why = "has no live member"
    elif group.lag > lag_bound:
        why = f"is more than {lag_bound} records behind"
    else:
        return None
    return Finding(
        "consumer_lag",
        None,
        f"{group.service}'s consumer group {group.group} ({group.state}) {why}: lag {group.lag}",
        f"start {group.service} (or scale it out); watch `arcadia topics`",
        service=group.service,
        subject=group.group,
    )


def assemble(
    world: World,
    *,
    backlog: list[Backlog],
    parked: list[Parked],
    lag: list[GroupLag],
    tenant: str | None = None,
    lag_bound: int = 1000,
    outbox_bound: timedelta = timedelta(seconds=60),
    saga_grace: timedelta = timedelta(seconds=5),
) -> AuditReport:
    """The report over collected facts; with `tenant`, only that tenant's deployments."""
    violations = find_violations(world, outbox_bound=outbox_bound, saga_grace=saga_grace)
    findings = [from_violation(world, v) for v in violations]
    findings += [from_parked(row) for row in parked]
    findings += [f for g in lag if (f := from_lag(g, lag_bound)) is not None]
    deployments = world.deployments
    if tenant is not None:
        mine = {d.id for d in deployments if d.tenant_id == tenant}
        deployments = [d for d in deployments if d.id in mine]
        findings = [f for f in findings if f.deployment_id in mine]
    return AuditReport(
        checked_at=world.now,
        tenant=tenant,
        deployments=len(deployments),
        findings=findings,
        backlog=backlog,
        lag=lag,
    )
