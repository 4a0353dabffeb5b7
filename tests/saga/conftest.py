"""A whole stack per test module (services are restarted only by tests that kill them)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest

from arcadia_testing.plugin import Infra, ServiceProcess
from arcadia_testing.stack import Stack, drop_stack, start_stack

FAST = {
    # Short backoffs, and bounds short enough that a fault held until a deadline resolves in
    # test time. Not shorter: a job's deadline counts from when it is queued, and the same
    # module's sagas that must complete (transient faults, happy path) run under them too.
    "ARCADIA_PROVISIONER_DO_TIMEOUT_S": "3",
    "ARCADIA_PROVISIONER_DO_MAX_RETRIES": "3",
    "ARCADIA_PROVISIONER_DO_BACKOFF_BASE_S": "0.02",
    "ARCADIA_PROVISIONER_JOB_BACKOFF_BASE_S": "0.02",
    "ARCADIA_PROVISIONER_JOB_BACKOFF_MAX_S": "0.3",
    "ARCADIA_PROVISIONER_DROPLET_ACTIVE_TIMEOUT_S": "10",
    "ARCADIA_PROVISIONER_STEP_TIMEOUT_S": "20",
    "ARCADIA_PROVISIONER_COMPENSATION_MAX_ATTEMPTS": "4",
    "ARCADIA_CLOUDSIM_DEFAULT_HANG_MS": "15000",  # far past the client's timeout
    # A killed consumer's partitions move to its restarted successor sooner.
    "ARCADIA_ALL_CONSUMER_SESSION_TIMEOUT_MS": "6000",
}
# For modules whose sagas must all complete: the services' own client timeouts and job deadlines
# (counted from when a job is queued, so they include waiting behind a loaded machine), only a
# faster hand-over of a killed consumer's partitions. A module picks it with `STACK_ENV = PATIENT`.
PATIENT = {"ARCADIA_ALL_CONSUMER_SESSION_TIMEOUT_MS": "6000"}


@pytest.fixture(scope="module")
async def stack(
    infra: Infra, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> AsyncIterator[Stack]:
    logs = tmp_path_factory.mktemp("saga-logs")

    def make(args: list[str], env: dict[str, str], name: str) -> ServiceProcess:
        return ServiceProcess(args, env, Path(logs) / f"{name}.log")

    running = await start_stack(infra, make, env=getattr(request.module, "STACK_ENV", FAST))
    yield running
    await drop_stack(infra, running)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=15) as http:
        yield http


MakeProcess = Callable[[list[str], dict[str, str], str], ServiceProcess]
