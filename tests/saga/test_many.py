"""Many sagas at once all end, and invariants 1-3 hold over every one of them."""

from __future__ import annotations

import collections

import httpx
import pytest

from arcadia_testing.plugin import eventually
from arcadia_testing.saga_driver import SagaDriver
from arcadia_testing.stack import Stack
from tests.saga.conftest import PATIENT
from tests.saga.test_delivery import HAPPY_OUTBOX

SAGAS = 200
# Every saga must complete: the fast settings' 1 s client timeout and 4 s activation deadline
# (counted from queueing, behind 199 other sagas on a loaded machine) would abort some of them.
STACK_ENV = PATIENT


@pytest.mark.timeout(900)  # a generous bound for a loaded machine, not a performance claim
async def test_two_hundred_sagas_at_once_all_complete_with_one_of_everything(
    stack: Stack, client: httpx.AsyncClient
) -> None:
    runs = await SagaDriver(stack, concurrency=SAGAS).run(SAGAS, timeout_s=600)

    assert collections.Counter(run.status for run in runs) == {"completed": SAGAS}
    state = await stack.sim_state(client)
    droplets = collections.Counter(
        tag for d in state["droplets"] for tag in d["tags"] if tag.startswith("saga:")
    )
    assert len(droplets) == SAGAS
    assert set(droplets.values()) == {1}
    names = collections.Counter(r["name"] for r in state["records"])
    assert len(names) == SAGAS
    assert set(names.values()) == {1}
    resources = await stack.rows(
        "inventory",
        "SELECT deployment_id, count(*) AS n FROM resources"
        " WHERE status = 'active' GROUP BY deployment_id",
    )
    assert len(resources) == SAGAS
    assert {r["n"] for r in resources} == {1}

    async def subscriptions_active() -> bool:
        rows = await stack.rows(
            "billing", "SELECT count(*) AS n FROM subscriptions WHERE status = 'active'"
        )
        return bool(rows[0]["n"] == SAGAS)

    await eventually(subscriptions_active, timeout_s=120)
    for run in runs[:20]:  # every service published each of its events once
        for service, expected in HAPPY_OUTBOX.items():
            assert await stack.outbox_types(service, run.deployment_id) == expected
