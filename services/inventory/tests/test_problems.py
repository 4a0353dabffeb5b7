"""Inventory's problem mapping (pure): the provider out of reach is a 502; the rest is shared."""

from __future__ import annotations

from arcadia_inventory.http.problems import CloudProviderError, inventory_answer
from arcadia_platform.problems import answer_for


def test_an_unreadable_provider_is_a_502_cloud_provider() -> None:
    decided = inventory_answer(CloudProviderError("GET /v2/droplets: timeout"))

    assert decided is not None
    assert (decided.problem.status, decided.problem.code) == (502, "cloud_provider")
    assert decided.problem.detail is not None
    assert "timeout" in decided.problem.detail


def test_anything_else_falls_to_the_shared_mapping() -> None:
    assert inventory_answer(RuntimeError("boom")) is None
    assert answer_for(RuntimeError("boom"), [inventory_answer]).problem.status == 500
