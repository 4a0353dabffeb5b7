"""The two replacements of litestar_tuning: same results as Litestar's own, minus the overhead."""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Iterator
from typing import Any

import pytest
from litestar import Litestar, get
from litestar._kwargs import kwargs_model
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency, Provide
from litestar.handlers.base import BaseRouteHandler
from litestar.testing import TestClient

from arcadia_platform import litestar_tuning

# Fingerprints of the Litestar functions replaced (2.25). If an upgrade changes either, this test
# fails: read the new version and carry its change into litestar_tuning, then update the hash.
LITESTAR_SOURCES = {
    "resolve_dependencies": "f5e60119abf69eff",
    "authorize_connection": "38b2c6f9f875778e",
}


def fingerprint(function: Any) -> str:
    return hashlib.sha256(inspect.getsource(function).encode()).hexdigest()[:16]


def test_the_replaced_litestar_functions_are_the_ones_it_was_written_against() -> None:
    found = {name: fingerprint(fn) for name, fn in litestar_tuning.ORIGINALS.items()}
    assert found == LITESTAR_SOURCES


def build_app(events: list[str], seen_handlers: list[BaseRouteHandler]) -> Litestar:
    def provide_a() -> str:
        events.append("a")
        return "A"

    def provide_b() -> Iterator[str]:  # a generator: cleaned up after the response
        events.append("b")
        yield "B"
        events.append("b cleaned up")

    def provide_ab(a: NamedDependency[str], b: NamedDependency[str]) -> str:  # a later batch
        return a + b

    async def guard(_: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
        seen_handlers.append(handler)

    @get("/", guards=[guard, guard], sync_to_thread=False)
    def handler(
        a: NamedDependency[str], b: NamedDependency[str], ab: NamedDependency[str]
    ) -> dict[str, str]:
        return {"a": a, "b": b, "ab": ab}

    return Litestar(
        [handler],
        dependencies={
            "a": Provide(provide_a, sync_to_thread=False),
            "b": Provide(provide_b),
            "ab": Provide(provide_ab, sync_to_thread=False),
        },
    )


def test_dependencies_resolve_in_order_without_a_task_group_and_guards_see_the_handler(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_task_group() -> None:
        raise AssertionError("a task group was created")

    litestar_tuning.apply()
    monkeypatch.setattr(kwargs_model, "create_task_group", no_task_group)
    events: list[str] = []
    seen: list[BaseRouteHandler] = []
    app = build_app(events, seen)
    with TestClient(app) as client:
        response = client.get("/")
    assert response.status_code == 200
    assert response.json() == {"a": "A", "b": "B", "ab": "AB"}
    assert sorted(events[:2]) == ["a", "b"]
    assert events[2:] == ["b cleaned up"]  # a generator dependency is still cleaned up
    # Both guard calls got the registered handler itself, not a copy.
    registered = app.route_handler_method_map["/"]["GET"]
    assert len(seen) == 2
    assert all(handler is registered for handler in seen)


def test_without_the_tuning_litestar_copies_the_handler_and_uses_a_task_group(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The counter-check: the test above would fail on Litestar's own functions."""
    for name, original in litestar_tuning.ORIGINALS.items():
        owner = kwargs_model.KwargsModel if name == "resolve_dependencies" else BaseRouteHandler
        monkeypatch.setattr(owner, name, original)
    created: list[int] = []
    real = kwargs_model.create_task_group  # type: ignore[attr-defined]

    def counting_task_group() -> Any:
        created.append(1)
        return real()

    monkeypatch.setattr(kwargs_model, "create_task_group", counting_task_group)
    seen: list[BaseRouteHandler] = []
    app = build_app([], seen)
    with TestClient(app) as client:
        assert client.get("/").status_code == 200
    registered = app.route_handler_method_map["/"]["GET"]
    assert created
    assert seen
    assert all(handler is not registered for handler in seen)
