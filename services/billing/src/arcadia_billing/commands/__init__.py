"""What the internal HTTP API asks billing to do: one transaction per command."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from arcadia_platform.db import Connection
from arcadia_platform.runtime import ServiceRuntime


class Transactions:
    """Opens a transaction on the runtime's pool (available once the lifespan has started it)."""

    def __init__(self, runtime: ServiceRuntime) -> None:
        self._runtime = runtime

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[Connection]:
        async with self._runtime.pool.acquire() as conn, conn.transaction():
            yield conn

    @asynccontextmanager
    async def read(self) -> AsyncIterator[Connection]:
        async with self._runtime.pool.acquire() as conn, conn.transaction(readonly=True):
            yield conn
