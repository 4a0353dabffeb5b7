"""Reads, without running them, which events the services publish and route on which topics."""

# A static walk, so the check needs no broker, database or running service. Anything it cannot
# resolve (a topic in a variable it cannot trace, an outbox call it does not understand) raises
# `Unresolvable` rather than being skipped, so a new publishing style fails the check loudly
# instead of slipping past it.

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from arcadia_contracts import topics
from arcadia_contracts.codec import REGISTRY

EVENT_NAMES: Final = frozenset(event.__name__ for event in REGISTRY.event_types())
TOPIC_CONSTANTS: Final = {
    name: value
    for name, value in vars(topics).items()
    if name.isupper() and isinstance(value, str) and value in topics.ALL_TOPICS
}
OUTBOX_METHODS: Final = frozenset({"add", "add_many"})

Pair = tuple[str, str]  # (topic, event type)


class Unresolvable(Exception):
    """The walk met code it cannot read for certain; teach it rather than skip."""


@dataclass
class Publications:
    """What one service's sources show: the topics it writes to and the events it builds."""

    topics: set[str] = field(default_factory=set)
    events: set[str] = field(default_factory=set)

    def pairs(self, where: str) -> set[Pair]:
        if not self.events:
            return set()
        if len(self.topics) != 1:
            # Events are tied to topics through the service: each publishes on its own topic
            # (DESIGN.md). A second topic needs this walk to follow each event to its call.
            raise Unresolvable(f"{where}: publishes on {sorted(self.topics)}, expected one topic")
        return {(topic, event) for topic in self.topics for event in self.events}


def _aliases(tree: ast.Module) -> dict[str, str]:
    """Local name -> contract name, for names imported from arcadia_contracts."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("arcadia_contracts"):
            for alias in node.names:
                names[alias.asname or alias.name] = alias.name
    return names


def _topic(expr: ast.expr, aliases: Mapping[str, str]) -> str | None:
    if (
        isinstance(expr, ast.Attribute)
        and isinstance(expr.value, ast.Name)
        and aliases.get(expr.value.id) == "topics"
        and expr.attr in TOPIC_CONSTANTS
    ):
        return TOPIC_CONSTANTS[expr.attr]
    if isinstance(expr, ast.Name) and aliases.get(expr.id) in TOPIC_CONSTANTS:
        return TOPIC_CONSTANTS[aliases[expr.id]]
    return None


def _event(expr: ast.expr, aliases: Mapping[str, str]) -> str | None:
    name = expr.attr if isinstance(expr, ast.Attribute) else getattr(expr, "id", None)
    if isinstance(expr, ast.Name):
        name = aliases.get(expr.id, expr.id)
    return name if name in EVENT_NAMES else None


def publications(source: str, where: str, into: Publications) -> None:
    """Adds the outbox topics and the event constructions found in one module."""
    tree = ast.parse(source)
    aliases = _aliases(tree)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        event = _event(node.func, aliases)
        if event is not None:
            into.events.add(event)
        if not isinstance(node.func, ast.Attribute) or node.func.attr not in OUTBOX_METHODS:
            continue
        receiver = ast.unparse(node.func.value).lower()
        topic = _topic(node.args[1], aliases) if len(node.args) > 1 else None
        if topic is not None and node.func.attr == "add":
            into.topics.add(topic)
        elif "outbox" in receiver:
            line = f"{where}:{node.lineno}"
            raise Unresolvable(f"{line}: outbox call without a topic constant: {ast.unparse(node)}")


def published(sources: Mapping[str, Iterator[Path]]) -> set[Pair]:
    """Every (topic, event) the services publish; `sources` maps a service to its files."""
    pairs: set[Pair] = set()
    for service, files in sources.items():
        found = Publications()
        for path in files:
            publications(path.read_text(), str(path), found)
        pairs |= found.pairs(service)
    return pairs


def routed(source: str, where: str) -> set[Pair]:
    """Every (topic, event) named by a `<routes>.on(topic, Event, handler)` call in a module."""
    tree = ast.parse(source)
    reader = _RouteReader(_aliases(tree), where)
    reader.block(tree.body, {})
    return reader.pairs


Env = dict[str, list[ast.expr]]


@dataclass
class _RouteReader:
    """Follows the few bindings a routing table uses: tuples, and `for` loops over them."""

    aliases: Mapping[str, str]
    where: str
    pairs: set[Pair] = field(default_factory=set)

    def block(self, body: list[ast.stmt], env: Env) -> None:
        for stmt in body:
            self.statement(stmt, env)

    def statement(self, stmt: ast.stmt, env: Env) -> None:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            self.block(stmt.body, dict(env))
        elif isinstance(stmt, ast.For) and isinstance(stmt.target, ast.Name):
            inner = dict(env)
            inner[stmt.target.id] = self.items(stmt.iter, env)
            self.block(stmt.body, inner)
        elif isinstance(stmt, ast.If | ast.While | ast.With | ast.AsyncWith | ast.Try):
            for child in ("body", "orelse", "finalbody"):
                self.block(getattr(stmt, child, []), env)
        else:
            if isinstance(stmt, ast.Assign | ast.AnnAssign) and stmt.value is not None:
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                for target in targets:
                    if isinstance(target, ast.Name) and isinstance(
                        stmt.value, ast.Tuple | ast.List
                    ):
                        env[target.id] = list(stmt.value.elts)
            for node in ast.walk(stmt):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "on"
                    and len(node.args) == 3
                ):
                    self.route(node, env)

    def items(self, expr: ast.expr, env: Env) -> list[ast.expr]:
        if isinstance(expr, ast.Tuple | ast.List):
            return list(expr.elts)
        if isinstance(expr, ast.Name) and expr.id in env:
            return [item for bound in env[expr.id] for item in self.items(bound, env)] or [expr]
        return [expr]

    def values(self, expr: ast.expr, env: Env) -> list[ast.expr]:
        if isinstance(expr, ast.Name) and expr.id in env:
            return [value for bound in env[expr.id] for value in self.values(bound, env)]
        return [expr]

    def route(self, call: ast.Call, env: Env) -> None:
        for topic_expr in self.values(call.args[0], env):
            for event_expr in self.values(call.args[1], env):
                topic = _topic(topic_expr, self.aliases)
                event = _event(event_expr, self.aliases)
                if topic is None or event is None:
                    raise Unresolvable(f"{self.where}:{call.lineno}: {ast.unparse(call)}")
                self.pairs.add((topic, event))
