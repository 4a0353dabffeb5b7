"""The declared topic -> events table (so the exported schema) is what the code publishes and routes."""

from __future__ import annotations

import ast
import importlib
import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import Final

import pytest

from arcadia_contracts import topics
from arcadia_contracts.codec import TOPIC_EVENTS
from arcadia_platform.consumer import Routes
from tests.contracts.walk import Pair, Unresolvable, published, routed

# Each service's topic x event -> handler table: `<pkg>/handlers/routes.py`, and the gateway's
# `arcadia_api/saga/routes.py` (docs/architecture.md).
# A module that defines ROUTES (a Routes) is read from it; any other is read for `.on(...)` calls.
ROUTING_MODULES: Final = (
    "arcadia_api.saga.routes",
    "arcadia_billing.handlers.routes",
    "arcadia_provisioner.handlers.routes",
    "arcadia_inventory.handlers.routes",
)
ROOT: Final = Path(__file__).resolve().parents[2]
SERVICES: Final = sorted(path.parent for path in (ROOT / "services").glob("*/src"))


def declared() -> set[Pair]:
    return {(topic, event.__name__) for topic, events in TOPIC_EVENTS.items() for event in events}


def service_sources() -> dict[str, Iterator[Path]]:
    return {service.name: (service / "src").rglob("*.py") for service in SERVICES}


def routes_of(module: str) -> set[Pair]:
    spec = importlib.util.find_spec(module)
    assert spec is not None, f"{module} not found: repoint ROUTING_MODULES"
    assert spec.origin is not None, f"{module} has no source file"
    source = Path(spec.origin).read_text()
    defines = {
        target.id
        for stmt in ast.parse(source).body
        if isinstance(stmt, ast.Assign | ast.AnnAssign)
        for target in (stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target])
        if isinstance(target, ast.Name)
    }
    if "ROUTES" in defines:
        table = importlib.import_module(module).ROUTES
        if isinstance(table, Routes):
            return {(topic, event) for topic, by in table.by_topic.items() for event in by}
        if isinstance(table, tuple):  # rows of (topic, event class, reaction)
            return {(topic, event.__name__) for topic, event, _ in table}
    # ROUTES built by a function (its handlers need the service's publisher and clock first):
    # read its literal `.on(topic, Event, handler)` calls.
    return routed(source, spec.origin)


def all_routes() -> set[Pair]:
    pairs: set[Pair] = set()
    for module in ROUTING_MODULES:
        found = routes_of(module)
        assert found, f"no routes read from {module}: repoint ROUTING_MODULES"
        pairs |= found
    return pairs


def test_the_walk_sees_every_service() -> None:
    assert {service.name for service in SERVICES} >= {"api", "billing", "provisioner", "inventory"}
    by_topic = {topic for topic, _ in published(service_sources())}
    assert by_topic == set(topics.OWN_TOPICS)


def test_every_published_event_is_declared_for_its_topic() -> None:
    undeclared = published(service_sources()) - declared()
    assert not undeclared, f"published but not declared in arcadia_contracts: {sorted(undeclared)}"


def test_every_declared_event_of_our_topics_has_a_publisher() -> None:
    ours = {(topic, event) for topic, event in declared() if topic in topics.OWN_TOPICS}
    unpublished = ours - published(service_sources())
    assert not unpublished, f"declared but nobody publishes it: {sorted(unpublished)}"


def test_every_routed_event_is_declared_for_its_topic() -> None:
    undeclared = all_routes() - declared()
    assert not undeclared, f"routed but not declared in arcadia_contracts: {sorted(undeclared)}"


def test_every_inbound_topic_is_routed_somewhere() -> None:
    inbound = {(topic, event) for topic, event in declared() if topic in topics.INBOUND_TOPICS}
    assert inbound <= all_routes()


# The walk itself: it must see an undeclared publication, and refuse what it cannot read.

BILLING_PUBLISHES_A_DROPLET = """
from arcadia_contracts import topics
from arcadia_contracts.events.provisioner import DropletCreated as Made

async def publish(outbox, conn, envelope):
    event = Made(droplet_id=1, name="n", region="r", size="s")
    await outbox.add(conn, topics.BILLING, envelope(event))
"""


def test_the_walk_reports_a_publication_of_an_undeclared_event(tmp_path: Path) -> None:
    module = tmp_path / "rogue.py"
    module.write_text(BILLING_PUBLISHES_A_DROPLET)
    pairs = published({"rogue": iter([module])})
    assert pairs == {(topics.BILLING, "DropletCreated")}
    assert pairs - declared() == pairs


def test_the_walk_refuses_an_outbox_call_whose_topic_it_cannot_read(tmp_path: Path) -> None:
    module = tmp_path / "vague.py"
    module.write_text(
        "async def f(outbox, conn, topic, e):\n    await outbox.add(conn, topic, e)\n"
    )
    with pytest.raises(Unresolvable):
        published({"vague": iter([module])})


def test_the_walk_follows_routes_through_loops_and_tuples() -> None:
    source = """
from arcadia_contracts import topics
from arcadia_contracts.events.deployments import ProvisioningAborted
from arcadia_contracts.events.provisioner import DnsPointed, DropletActive

def build(routes, h):
    for topic in (topics.BILLING, topics.PROVISIONER):
        routes.on(topic, ProvisioningAborted, h.aborted)
    done: tuple[type, ...] = (DropletActive, DnsPointed)
    for event in done:
        routes.on(topics.PROVISIONER, event, h.done)
"""
    assert routed(source, "x.py") == {
        (topics.BILLING, "ProvisioningAborted"),
        (topics.PROVISIONER, "ProvisioningAborted"),
        (topics.PROVISIONER, "DropletActive"),
        (topics.PROVISIONER, "DnsPointed"),
    }
