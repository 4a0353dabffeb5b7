"""Invariant 6, "the services agree": a pure check of collected views. The heart of the operators'
audit (`arcadia audit` and the gateway's `GET /api/v1/ops/audit`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from arcadia_contracts.dns import record_name as dns_record_name
from arcadia_platform.audit.views import Deployment, Droplet, Record, World

__all__ = ["KINDS", "Violation", "find_violations", "record_name"]

# Live end states of a provisioned deployment, and the ones that must hold nothing.
HOLDING_STATES = frozenset({"active"})
EMPTY_STATES = frozenset({"cancelled", "archived"})
OPEN_SAGA = frozenset({"running", "compensating"})

KINDS = (
    "subscription_mismatch",
    "resource_mismatch",
    "droplet_mismatch",
    "dns_mismatch",
    "saga_overdue",
    "outbox_stuck",
)


@dataclass(frozen=True)
class Violation:
    kind: str
    deployment_id: str | None
    detail: str


def record_name(deployment: Deployment) -> str:
    """The deployment's A record name, as the provisioner names it (the shared contract)."""
    return dns_record_name(deployment.slug, deployment.tenant_id)


def find_violations(
    world: World, *, outbox_bound: timedelta, saga_grace: timedelta = timedelta(0)
) -> list[Violation]:
    """Every disagreement in `world`, in a stable order (by kind, then deployment)."""
    found: list[Violation] = []
    saga_deployment = {s.id: s.deployment_id for s in world.sagas}
    droplets: dict[str, list[Droplet]] = defaultdict(list)
    for droplet in world.droplets:
        owner = _droplet_owner(droplet, saga_deployment)
        droplets[owner or ""].append(droplet)
    records: dict[str, list[Record]] = defaultdict(list)
    for record in world.records:
        if record.type == "A":
            records[record.name].append(record)
    subscriptions = defaultdict(list)
    for subscription in world.subscriptions:
        subscriptions[subscription.deployment_id].append(subscription)
    resources = defaultdict(list)
    for resource in world.resources:
        resources[resource.deployment_id].append(resource)

    known = {d.id for d in world.deployments}
    for d in world.deployments:
        if not d.provisioned:
            continue
        subs = subscriptions.get(d.id, [])
        res = resources.get(d.id, [])
        drops = droplets.get(d.id, [])
        recs = records.get(record_name(d), [])
        if d.state in HOLDING_STATES:
            active_subs = [s for s in subs if s.status == "active"]
            if len(active_subs) != 1:
                found.append(_v("subscription_mismatch", d, "one active subscription", subs))
            linked = [r for r in res if r.status == "active" and r.linked]
            if len(linked) != 1:
                found.append(_v("resource_mismatch", d, "one active linked resource", res))
            live = [x for x in drops if x.status == "active"]
            if len(drops) != 1 or len(live) != 1:
                found.append(_v("droplet_mismatch", d, "one active droplet", drops))
            ip = live[0].public_ip if len(live) == 1 else None
            if len(recs) != 1 or ip is None or recs[0].data != ip:
                found.append(_v("dns_mismatch", d, f"one A record pointing at {ip}", recs))
        elif d.state in EMPTY_STATES:
            if [s for s in subs if s.status != "cancelled"]:
                found.append(_v("subscription_mismatch", d, "no live subscription", subs))
            if [r for r in res if r.status == "active"]:
                found.append(_v("resource_mismatch", d, "no active resource", res))
            if drops:
                found.append(_v("droplet_mismatch", d, "no droplet", drops))
            if recs:
                found.append(_v("dns_mismatch", d, "no DNS record", recs))

    # What the provider or inventory holds for a deployment the gateway never heard of.
    for owner, drops in droplets.items():
        if owner not in known:
            found.append(
                Violation("droplet_mismatch", owner or None, f"orphan droplets: {drops!r}")
            )
    for owner, res in resources.items():
        live_res = [r for r in res if r.status == "active"]
        if owner not in known and live_res:
            found.append(Violation("resource_mismatch", owner, f"orphan resources: {live_res!r}"))

    for saga in world.sagas:
        if saga.status in OPEN_SAGA and saga.deadline_at + saga_grace < world.now:
            overdue = world.now - saga.deadline_at
            found.append(
                Violation(
                    "saga_overdue",
                    saga.deployment_id,
                    f"{saga.kind} saga {saga.id} is {saga.status} {overdue} past its deadline",
                )
            )

    for row in world.outbox:
        if row.sent_at is None and not row.parked and row.created_at + outbox_bound < world.now:
            found.append(
                Violation(
                    "outbox_stuck",
                    row.key,
                    f"{row.service} outbox row {row.id} unsent since {row.created_at.isoformat()}",
                )
            )
    return sorted(found, key=lambda v: (KINDS.index(v.kind), v.deployment_id or "", v.detail))


def _droplet_owner(droplet: Droplet, saga_deployment: dict[str, str]) -> str | None:
    for tag in droplet.tags:
        if tag.startswith("deployment:"):
            return tag.removeprefix("deployment:")
    for tag in droplet.tags:
        if tag.startswith("saga:"):
            return saga_deployment.get(tag.removeprefix("saga:"))
    return None


def _v(kind: str, deployment: Deployment, expected: str, found: Sequence[object]) -> Violation:
    return Violation(
        kind, deployment.id, f"{deployment.state} deployment: expected {expected}, found {found!r}"
    )
