"""Many provisioning sagas through a running stack, timed from request to the saga's end."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass

import asyncpg
import httpx

from arcadia_testing.stack import Stack


@dataclass
class SagaRun:
    tenant: str
    slug: str
    deployment_id: str = ""
    saga_id: str = ""
    sent_at: float = 0.0
    finished_at: float | None = None
    status: str | None = None


class SagaDriver:
    """Starts many provisioning sagas (at most `concurrency` unfinished at once, and no faster
    than `rate` per second) and watches them end in the api's database."""

    def __init__(self, stack: Stack, *, concurrency: int, rate: float = 0.0) -> None:
        self._stack = stack
        self._gateways = stack.apis  # sagas are started on each gateway in turn
        self._slots = asyncio.Semaphore(concurrency)
        self._rate = rate
        self._waiting: dict[str, tuple[SagaRun, asyncio.Future[None]]] = {}

    async def run(self, count: int, *, timeout_s: float = 300) -> list[SagaRun]:
        runs = [
            SagaRun(tenant=f"bench-{i % 20}", slug=f"app-{uuid.uuid4().hex[:10]}")
            for i in range(count)
        ]
        watcher = asyncio.create_task(self._watch())
        try:
            async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=64)) as c:
                started = time.monotonic()
                tasks = []
                for i, run in enumerate(runs):
                    await self._slots.acquire()
                    if self._rate > 0:
                        delay = started + i / self._rate - time.monotonic()
                        if delay > 0:
                            await asyncio.sleep(delay)
                    gateway = self._gateways[i % len(self._gateways)]
                    tasks.append(asyncio.create_task(self._one(c, run, gateway)))
                await asyncio.wait_for(asyncio.gather(*tasks), timeout_s)
        finally:
            watcher.cancel()
        return runs

    async def _one(self, client: httpx.AsyncClient, run: SagaRun, gateway: str) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        run.sent_at = time.time()
        try:
            run.deployment_id, run.saga_id = await self._stack.provision(
                client, run.tenant, run.slug, api=gateway
            )
            self._waiting[run.saga_id] = (run, done)
            await done
        finally:
            self._slots.release()

    async def _watch(self) -> None:
        conn = await asyncpg.connect(self._stack.databases["api"])
        try:
            while True:
                await asyncio.sleep(0.02)
                if not self._waiting:
                    continue
                rows = await conn.fetch(
                    "SELECT id::text AS id, status, EXTRACT(EPOCH FROM finished_at) AS at"
                    " FROM sagas WHERE id = ANY($1::uuid[]) AND finished_at IS NOT NULL",
                    list(self._waiting),
                )
                for row in rows:
                    run, done = self._waiting.pop(row["id"])
                    run.finished_at, run.status = float(row["at"]), row["status"]
                    done.set_result(None)
        finally:
            await conn.close()
