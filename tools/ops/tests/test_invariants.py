"""The audit's rules on hand-made worlds: a clean one, and one broken world per violation kind."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from arcadia_contracts.dns import record_name
from arcadia_ops.invariants import KINDS, Violation, find_violations
from arcadia_ops.views import (
    Deployment,
    Droplet,
    OutboxRow,
    Record,
    Resource,
    Saga,
    Subscription,
    World,
)

NOW = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)
BOUND = timedelta(seconds=60)
ACTIVE = "d-active"
CANCELLED = "d-cancelled"


def clean_world() -> World:
    """One active deployment holding one of everything, one cancelled holding nothing (its
    undone subscription and released resource stay as history), one never provisioned."""
    return World(
        now=NOW,
        deployments=[
            Deployment(ACTIVE, "acme", "shop", "active", provisioned=True),
            Deployment(CANCELLED, "Acme Inc", "blog", "cancelled", provisioned=True),
            Deployment("d-plain", "acme", "plain", "active", provisioned=False),
        ],
        sagas=[
            Saga("s-1", ACTIVE, "provision", "completed", NOW - timedelta(minutes=1)),
            Saga("s-2", CANCELLED, "provision", "compensated", NOW - timedelta(minutes=1)),
            Saga("s-3", ACTIVE, "provision", "running", NOW + timedelta(minutes=1)),
        ],
        subscriptions=[
            Subscription("sub-1", ACTIVE, "active"),
            Subscription("sub-2", CANCELLED, "cancelled"),
        ],
        resources=[
            Resource("r-1", ACTIVE, "active", "101", linked=True),
            Resource("r-2", CANCELLED, "released", "102", linked=False),
        ],
        droplets=[
            Droplet(101, "active", ("arcadia", "saga:s-1", f"deployment:{ACTIVE}"), "198.18.0.1")
        ],
        records=[
            Record(1, "A", record_name("shop", "acme"), "198.18.0.1"),
            Record(2, "TXT", record_name("blog", "Acme Inc"), "not an address"),
        ],
        outbox=[
            OutboxRow("api", 1, ACTIVE, NOW - timedelta(seconds=5), None, parked=False),
            OutboxRow("billing", 2, ACTIVE, NOW - timedelta(hours=1), None, parked=True),
        ],
    )


def kinds(world: World) -> list[tuple[str, str | None]]:
    return [(v.kind, v.deployment_id) for v in find_violations(world, outbox_bound=BOUND)]


def test_a_clean_world_has_no_violation() -> None:
    assert find_violations(clean_world(), outbox_bound=BOUND) == []


def test_an_active_deployment_without_subscription() -> None:
    world = clean_world()
    world.subscriptions = [s for s in world.subscriptions if s.deployment_id != ACTIVE]
    assert kinds(world) == [("subscription_mismatch", ACTIVE)]


def test_an_active_deployment_whose_subscription_is_still_pending() -> None:
    world = clean_world()
    world.subscriptions[0] = dataclasses.replace(world.subscriptions[0], status="pending")
    (violation,) = find_violations(world, outbox_bound=BOUND)
    assert violation.kind == "subscription_mismatch"
    assert "pending" in violation.detail


def test_an_active_deployment_with_an_unlinked_resource() -> None:
    world = clean_world()
    world.resources[0] = dataclasses.replace(world.resources[0], linked=False)
    assert kinds(world) == [("resource_mismatch", ACTIVE)]


def test_an_active_deployment_with_a_second_droplet() -> None:
    world = clean_world()
    world.droplets.append(Droplet(102, "active", (f"deployment:{ACTIVE}",), "198.18.0.2"))
    assert ("droplet_mismatch", ACTIVE) in kinds(world)


def test_an_active_deployment_whose_droplet_is_gone() -> None:
    world = clean_world()
    world.droplets = []
    # No droplet, so no address the record could rightly point at either.
    assert kinds(world) == [("droplet_mismatch", ACTIVE), ("dns_mismatch", ACTIVE)]


def test_a_droplet_is_found_by_its_saga_tag_alone() -> None:
    world = clean_world()
    world.droplets[0] = dataclasses.replace(world.droplets[0], tags=("arcadia", "saga:s-1"))
    assert kinds(world) == []


def test_an_active_deployment_whose_record_points_elsewhere() -> None:
    world = clean_world()
    world.records[0] = dataclasses.replace(world.records[0], data="198.18.9.9")
    assert kinds(world) == [("dns_mismatch", ACTIVE)]


def test_an_active_deployment_without_record() -> None:
    world = clean_world()
    world.records = world.records[1:]
    assert kinds(world) == [("dns_mismatch", ACTIVE)]


def test_a_cancelled_deployment_holding_everything() -> None:
    world = clean_world()
    world.subscriptions[1] = dataclasses.replace(world.subscriptions[1], status="active")
    world.resources[1] = dataclasses.replace(world.resources[1], status="active")
    world.droplets.append(Droplet(103, "active", ("saga:s-2",), "198.18.0.3"))
    world.records.append(Record(3, "A", record_name("blog", "Acme Inc"), "198.18.0.3"))
    assert kinds(world) == [
        ("subscription_mismatch", CANCELLED),
        ("resource_mismatch", CANCELLED),
        ("droplet_mismatch", CANCELLED),
        ("dns_mismatch", CANCELLED),
    ]


def test_orphans_of_an_unknown_deployment() -> None:
    world = clean_world()
    world.droplets.append(Droplet(104, "active", ("deployment:ghost",), "198.18.0.4"))
    world.droplets.append(Droplet(105, "new", ("arcadia",), None))
    world.resources.append(Resource("r-9", "ghost", "active", "104", linked=True))
    assert kinds(world) == [
        ("resource_mismatch", "ghost"),
        ("droplet_mismatch", None),
        ("droplet_mismatch", "ghost"),
    ]


def test_a_saga_running_past_its_deadline() -> None:
    world = clean_world()
    world.sagas[2] = dataclasses.replace(world.sagas[2], deadline_at=NOW - timedelta(seconds=30))
    assert kinds(world) == [("saga_overdue", ACTIVE)]
    # Within the grace the gateway's deadline tick is allowed, it is not yet a violation.
    graced = find_violations(world, outbox_bound=BOUND, saga_grace=timedelta(seconds=60))
    assert graced == []


def test_an_outbox_row_unsent_past_the_bound() -> None:
    world = clean_world()
    world.outbox.append(
        OutboxRow("provisioner", 7, CANCELLED, NOW - timedelta(seconds=61), None, parked=False)
    )
    (violation,) = find_violations(world, outbox_bound=BOUND)
    assert violation == Violation(
        "outbox_stuck", CANCELLED, "provisioner outbox row 7 unsent since 2026-12-02T13:58:59+00:00"
    )


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_is_covered_by_a_test_above(kind: str) -> None:
    assert kind in Path(__file__).read_text().split("def test_every_kind")[0]
