"""Durable deadlines: a step that never finishes aborts the saga, even across an api restart."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from arcadia_testing.plugin import Infra, ServiceProcess, eventually, unique
from arcadia_testing.stack import Stack, drop_stack, start_stack
from tests.saga.conftest import PATIENT
from tests.saga.test_saga import assert_compensated

STEP_TIMEOUT_S = 30


@pytest.fixture(scope="module")
async def stack(infra: Infra, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    logs = tmp_path_factory.mktemp("deadline-logs")

    def make(args: list[str], env: dict[str, str], name: str) -> ServiceProcess:
        return ServiceProcess(args, env, Path(logs) / f"{name}.log")

    # The step deadline applies to every step and counts from the step's start, Kafka hops and
    # a loaded machine included: it must be generous for the steps that do progress, since only
    # the one held back (register_inventory) may expire. The provisioner keeps its own (long)
    # deadlines for the same reason.
    env = {**PATIENT, "ARCADIA_API_SAGA_STEP_TIMEOUT_S": str(STEP_TIMEOUT_S)}
    running = await start_stack(infra, make, env=env)
    yield running
    await drop_stack(infra, running)


async def test_a_step_past_its_deadline_aborts_even_across_an_api_restart(
    stack: Stack, client: httpx.AsyncClient
) -> None:
    await stack.kill9("inventory")  # steps 5 and 6 cannot happen
    tenant, slug = unique("late").replace("_", "-"), "shop"
    deployment_id, saga_id = await stack.provision(client, tenant, slug)

    async def step_running(name: str) -> bool:
        detail = await stack.detail(client, tenant, deployment_id)
        return any(s["step"] == name and s["status"] == "running" for s in detail["saga"]["steps"])

    await eventually(lambda: step_running("register_inventory"), timeout_s=120)
    await stack.kill9("api")  # the deadline is a column, not a timer in memory
    await stack.start("api")

    async def compensating() -> Any:
        detail = await stack.detail(client, tenant, deployment_id)
        return detail if detail["saga"]["status"] == "compensating" else None

    aborted = await eventually(compensating, timeout_s=STEP_TIMEOUT_S + 120)
    assert aborted["saga"]["failed_step"] == "register_inventory"
    assert "deadline" in aborted["saga"]["reason"]
    # Inventory comes back to a DropletActive and an abort, in whichever order: it registers
    # nothing (or releases what it registered) and reports, so the saga can end.
    await stack.start("inventory")
    detail = await stack.wait_terminal(client, tenant, deployment_id, saga_id, timeout_s=120)
    holdings = await stack.settled_holdings(client, tenant, slug, deployment_id, saga_id)
    assert_compensated(detail, holdings, "register_inventory")
