"""A cloud that remembers: the whole stack restarted, cloudsim included, keeps provisioning; a
provider that forgot its ids makes the saga fail at inventory's step, not at its deadline."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from arcadia_testing.plugin import Infra, ServiceProcess, unique
from arcadia_testing.stack import Stack, drop_stack, restart_stack, start_stack
from tests.saga.conftest import FAST
from tests.saga.test_saga import assert_compensated, assert_completed

ROUND = 3
SAGA_TIMEOUT_S = 120


@pytest.fixture(scope="module")
async def stack(infra: Infra, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    logs = tmp_path_factory.mktemp("restart-logs")
    state_file = tmp_path_factory.mktemp("restart-cloud") / "state.json"

    def make(args: list[str], env: dict[str, str], name: str) -> ServiceProcess:
        return ServiceProcess(args, env, Path(logs) / f"{name}.log")

    env = {**FAST, "ARCADIA_CLOUDSIM_STATE_FILE": str(state_file)}
    running = await start_stack(infra, make, env=env)
    yield running
    await drop_stack(infra, running)


async def provision_and_wait(
    stack: Stack, client: httpx.AsyncClient, prefix: str
) -> tuple[Any, dict[str, Any]]:
    tenant, slug = unique(prefix).replace("_", "-"), "shop"
    deployment_id, saga_id = await stack.provision(client, tenant, slug)
    detail = await stack.wait_terminal(
        client, tenant, deployment_id, saga_id, timeout_s=SAGA_TIMEOUT_S
    )
    holdings = await stack.settled_holdings(client, tenant, slug, deployment_id, saga_id)
    return detail, holdings


async def provision_round(
    stack: Stack, client: httpx.AsyncClient, prefix: str
) -> list[tuple[Any, dict[str, Any]]]:
    return list(
        await asyncio.gather(*(provision_and_wait(stack, client, prefix) for _ in range(ROUND)))
    )


def droplet_ids(results: list[tuple[Any, dict[str, Any]]]) -> list[int]:
    return [droplet["id"] for _, holdings in results for droplet in holdings["droplets"]]


async def test_a_restarted_stack_keeps_its_cloud_and_keeps_provisioning(
    stack: Stack, client: httpx.AsyncClient
) -> None:
    before = await provision_round(stack, client, "before")
    await stack.kill9("cloudsim")  # no chance to save on the way out: every change was saved
    await restart_stack(stack)
    kept = {d["id"] for d in (await stack.sim_state(client))["droplets"]}

    after = await provision_round(stack, client, "after")

    for detail, holdings in before + after:
        assert_completed(detail, holdings)  # exactly one droplet each, and active
    first, second = droplet_ids(before), droplet_ids(after)
    assert set(first) <= kept  # the old droplets are still in the cloud
    assert len(set(first + second)) == 2 * ROUND
    assert min(second) > max(first)  # ids keep increasing across the restart


async def test_a_cloud_that_reuses_ids_makes_the_saga_compensate_at_inventorys_step(
    stack: Stack, client: httpx.AsyncClient
) -> None:
    detail, holdings = await provision_and_wait(stack, client, "owner")
    assert_completed(detail, holdings)
    # Without its state file the simulator numbers droplets from the first id again: the next
    # droplet's id is one the inventory holds for another deployment.
    stack.processes["cloudsim"].stop()
    await stack.start("cloudsim", {"ARCADIA_CLOUDSIM_STATE_FILE": ""})
    try:
        clashed, left = await provision_and_wait(stack, client, "clash")
        calls = (await stack.sim_state(client))["calls"]
    finally:
        stack.processes["cloudsim"].stop()
        await stack.start("cloudsim")

    assert_compensated(clashed, left, "register_inventory")
    saga = clashed["saga"]
    (step,) = [s for s in saga["steps"] if s["step"] == "register_inventory"]
    assert step["status"] in ("failed", "compensated"), step
    assert "provider id clash" in step["last_error"], step
    assert "provider id clash" in saga["reason"], saga
    assert "deadline" not in saga["reason"]
    assert calls["droplets.create"] >= 1
