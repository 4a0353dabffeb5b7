"""A whole stack per test module for the CLI's stack tests (four services and cloudsim on the
shared Kafka and PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from arcadia_testing.plugin import Infra, ServiceProcess
from arcadia_testing.stack import Stack, drop_stack, start_stack


@pytest.fixture(scope="module")
async def stack(infra: Infra, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    logs = tmp_path_factory.mktemp("ops-logs")

    def make(args: list[str], env: dict[str, str], name: str) -> ServiceProcess:
        return ServiceProcess(args, env, Path(logs) / f"{name}.log")

    # A stopped consumer's partitions are handed back sooner when it restarts.
    running = await start_stack(
        infra, make, env={"ARCADIA_ALL_CONSUMER_SESSION_TIMEOUT_MS": "6000"}
    )
    yield running
    await drop_stack(infra, running)
