"""Fixtures of the api suite: one gateway process shared by the session, fresh ones on demand."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from arcadia_platform.topics_admin import ensure_topics
from arcadia_testing.gateway import Gateway, start_gateway
from arcadia_testing.plugin import Infra, ServiceProcess, unique
from arcadia_testing.upstreams import GatewayStack, fresh_databases, start_upstreams


@pytest.fixture(scope="session")
def session_processes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    started: list[ServiceProcess] = []
    logs = tmp_path_factory.mktemp("api-logs")

    def make(args: list[str], env: dict[str, str], name: str) -> ServiceProcess:
        proc = ServiceProcess(args, env, Path(logs) / f"{name}.log")
        started.append(proc)
        return proc

    yield make
    for proc in started:
        proc.stop()


@pytest.fixture(scope="session")
async def gateway(
    infra: Infra, session_processes: Callable[..., ServiceProcess]
) -> AsyncIterator[Gateway]:
    """A gateway with its own database and topic namespace; tests use unique tenant ids. Its
    upstreams (billing, inventory) are down: closed ports."""
    name = unique("api")
    namespace = unique("napi").replace("_", "")
    await ensure_topics(infra.kafka, namespace=namespace)
    admin = await asyncpg.connect(infra.database_url("postgres"))
    await admin.execute(f"CREATE DATABASE {name}")
    try:
        running = await start_gateway(
            session_processes,
            database_url=infra.database_url(name),
            namespace=namespace,
            kafka=infra.kafka,
        )
        yield running
        running.process.stop()
    finally:
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await admin.close()


@pytest.fixture(scope="session")
async def stack(
    infra: Infra, session_processes: Callable[..., ServiceProcess]
) -> AsyncIterator[GatewayStack]:
    """A gateway with real billing, inventory and cloudsim processes behind it, all on fresh
    databases and one topic namespace. Shared: tests use unique tenants and deployments."""
    namespace = unique("nstk").replace("_", "")
    await ensure_topics(infra.kafka, namespace=namespace)
    async with fresh_databases(infra, "api", "billing", "inventory") as databases:
        upstreams = start_upstreams(
            session_processes,
            billing_database=databases["billing"],
            inventory_database=databases["inventory"],
            namespace=namespace,
            kafka=infra.kafka,
        )
        running = await start_gateway(
            session_processes,
            database_url=databases["api"],
            namespace=namespace,
            kafka=infra.kafka,
            billing_url=upstreams.billing_url,
            inventory_url=upstreams.inventory_url,
            # The fuzzer writes hundreds of times a second as one tenant; the write limit has
            # its own tests (test_api_ratelimit.py).
            extra_env={"ARCADIA_API_WRITE_RATE_PER_S": "0"},
        )
        await upstreams.ready()  # started meanwhile
        yield GatewayStack(running, upstreams)
        running.process.stop()
        upstreams.stop()


@pytest.fixture
async def client(gateway: Gateway) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=gateway.url, timeout=10) as http:
        yield http


@pytest.fixture
def tenant() -> str:
    return unique("tenant")
