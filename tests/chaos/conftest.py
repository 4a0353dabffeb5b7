"""Fault tests' own Kafka broker and PostgreSQL cluster (killed, frozen, restarted at will), and a
whole control plane on them per test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from pathlib import Path

import httpx
import pytest

from arcadia_testing.plugin import ServiceProcess
from arcadia_testing.private_infra import PrivateInfra
from arcadia_testing.stack import Stack, drop_stack, start_stack

# Sagas must end in bounded time whatever the fault: short deadlines, short provider timeouts.
CHAOS_ENV = {
    "ARCADIA_PROVISIONER_DO_TIMEOUT_S": "2.0",
    "ARCADIA_PROVISIONER_DO_MAX_RETRIES": "3",
    "ARCADIA_PROVISIONER_DO_BACKOFF_BASE_S": "0.05",
    "ARCADIA_PROVISIONER_JOB_BACKOFF_BASE_S": "0.05",
    "ARCADIA_PROVISIONER_JOB_BACKOFF_MAX_S": "1.0",
    "ARCADIA_PROVISIONER_DROPLET_ACTIVE_TIMEOUT_S": "20",
    "ARCADIA_PROVISIONER_STEP_TIMEOUT_S": "40",
    "ARCADIA_API_SAGA_TIMEOUT_S": "90",
    "ARCADIA_API_SAGA_STEP_TIMEOUT_S": "60",
    "ARCADIA_API_COMPENSATION_TIMEOUT_S": "90",
    # A killed consumer's partitions move to its restarted successor sooner.
    "ARCADIA_ALL_CONSUMER_SESSION_TIMEOUT_MS": "6000",
}
# Long enough that no saga can end while the scenario is still sending its 110 POSTs (a few
# seconds on a loaded machine): with 300 ms, more than half had ended before a fault could hit.
ACTIVATION_DELAY_MS = 1500


@pytest.fixture(scope="session")
def private_infra(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateInfra]:
    """Started once per session, stopped at its end (however the tests went)."""
    private = PrivateInfra(tmp_path_factory.mktemp("private-infra"))
    try:
        yield private.start()
    finally:
        private.stop()


async def chaos_stack(
    private: PrivateInfra, logs: Path, env: Mapping[str, str] | None = None
) -> Stack:
    def make(args: list[str], proc_env: dict[str, str], name: str) -> ServiceProcess:
        return ServiceProcess(args, proc_env, logs / f"{name}.log")

    stack = await start_stack(private.infra, make, env={**CHAOS_ENV, **(env or {})})
    async with httpx.AsyncClient(timeout=10) as client:
        await stack.sim_config(client, activation_delay_ms=ACTIVATION_DELAY_MS)
    return stack


@pytest.fixture
async def stack(private_infra: PrivateInfra, tmp_path: Path) -> AsyncIterator[Stack]:
    """A whole control plane on the private infrastructure, for one test; logs in tmp_path."""
    running = await chaos_stack(private_infra, tmp_path)
    try:
        yield running
    finally:
        await drop_stack(private_infra.infra, running)
