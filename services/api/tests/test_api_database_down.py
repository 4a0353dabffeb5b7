"""While its database is out of reach the gateway answers 503 problems with Retry-After, never a
500, says not-ready, and recovers by itself when the database is back.

The gateway process reaches the shared PostgreSQL through a TCP relay in the test, which the
test cuts (every connection closed, new ones refused) and restores: the server itself is never
touched.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import asyncpg.exceptions
import httpx
import pytest
from litestar import Litestar, get
from litestar.testing import TestClient

from arcadia_api.http.problems import handle_exception
from arcadia_platform.topics_admin import ensure_topics
from arcadia_testing.gateway import Gateway, start_gateway
from arcadia_testing.plugin import Infra, ServiceProcess, eventually, unique

PROBLEM = "application/problem+json"


class Relay:
    """A TCP pass-through to PostgreSQL that can be cut and restored on the same port."""

    def __init__(self, host: str, port: int) -> None:
        self._target = (host, port)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.port = 0

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.close()
        self._writers.clear()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self._target)
        except OSError:
            writer.close()
            return
        self._writers |= {writer, up_writer}
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))

    async def close(self) -> None:
        await self.cut()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError, ConnectionError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    writer.close()


@pytest.fixture
async def cut_off(
    infra: Infra, processes: Callable[..., ServiceProcess]
) -> AsyncIterator[tuple[Gateway, Relay]]:
    """A gateway (own database and namespace) whose only way to its database is a Relay."""
    name = unique("apidown")
    namespace = unique("ndown").replace("_", "")
    await ensure_topics(infra.kafka, namespace=namespace)
    server = urlsplit(infra.database_url(name))
    relay = Relay(server.hostname or "127.0.0.1", server.port or 5432)
    await relay.start()
    through = urlunsplit(
        server._replace(netloc=server.netloc.replace(f":{server.port}", f":{relay.port}"))
    )
    admin = await asyncpg.connect(infra.database_url("postgres"))
    await admin.execute(f"CREATE DATABASE {name}")
    try:
        gateway = await start_gateway(
            processes, database_url=through, namespace=namespace, kafka=infra.kafka
        )
        yield gateway, relay
        gateway.process.stop()
    finally:
        await relay.close()
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await admin.close()


def assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == PROBLEM
    assert int(response.headers["retry-after"]) > 0
    body = response.json()
    assert body["status"] == 503
    assert body["type"].endswith("/database-unavailable")


async def test_a_gateway_without_its_database_answers_503_and_recovers(
    cut_off: tuple[Gateway, Relay],
) -> None:
    gateway, relay = cut_off
    headers = gateway.auth("acme-down")
    async with httpx.AsyncClient(base_url=gateway.url, timeout=30) as client:
        created = await client.post("/api/v1/deployments", json={"slug": "one"}, headers=headers)
        assert created.status_code == 201, created.text

        await relay.cut()
        # Every request that needs the database: a read, a write, a keyed write.
        for _ in range(3):
            assert_unavailable(await client.get("/api/v1/deployments", headers=headers))
            assert_unavailable(
                await client.post("/api/v1/deployments", json={"slug": "two"}, headers=headers)
            )
            keyed = headers | {"Idempotency-Key": "k-1"}
            assert_unavailable(
                await client.post("/api/v1/deployments", json={"slug": "two"}, headers=keyed)
            )
        assert (await client.get("/ready")).status_code == 503
        assert (await client.get("/health")).status_code == 200

        await relay.start()

        async def ready() -> bool:
            return (await client.get("/ready")).status_code == 200

        await eventually(ready, timeout_s=60, interval_s=0.5)
        again = await client.post("/api/v1/deployments", json={"slug": "two"}, headers=headers)
        assert again.status_code == 201, again.text
        listed = await client.get("/api/v1/deployments", headers=headers)
        assert sorted(d["slug"] for d in listed.json()["items"]) == ["one", "two"]
    assert gateway.process.proc is not None
    assert gateway.process.proc.poll() is None


@pytest.mark.parametrize(
    "error",
    [
        ConnectionRefusedError(111, "Connection refused"),
        TimeoutError(),
        asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed"),
        asyncpg.exceptions.CannotConnectNowError("the database system is starting up"),
        asyncpg.exceptions.AdminShutdownError("terminating connection"),
        asyncpg.exceptions.TooManyConnectionsError("too many clients"),
        asyncpg.exceptions.InterfaceError("pool is closing"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_every_kind_of_database_outage_is_a_503_problem_that_reveals_nothing(
    error: Exception,
) -> None:
    @get("/needs-db", sync_to_thread=False)
    def needs_db() -> None:
        raise error

    app = Litestar([needs_db], exception_handlers={Exception: handle_exception})
    with TestClient(app) as http:
        response = http.get("/needs-db")

    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["retry-after"] == "5"
    body: dict[str, Any] = response.json()
    assert body["type"] == "https://docs.arcadia.cloud/problems/database-unavailable"
    assert body["detail"] == "The database is unavailable; try again later"
