"""Durable deadlines: sagas whose deadline (or a running step's) has passed are aborted.

The deadlines are columns of the saga record, so they survive restarts; this loop only reads
them. A provisioning saga past its deadline is aborted like any failure (ProvisioningAborted on
the deployments topic); one whose compensation outlives its own deadline, or a teardown that
does not finish, ends `compensation_failed`, which operators see at GET /api/v1/sagas. An overdue
compensation does not cancel the deployment: the undo may only be late (its abort held up by a
broker outage), and the participants' reports, whenever they come, settle the saga `compensated`
and cancel the deployment (handlers.py).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import asyncpg

from arcadia_api.config import ApiSettings
from arcadia_api.saga import repository as sagas
from arcadia_api.saga.abort import abort_and_announce
from arcadia_api.saga.model import Saga
from arcadia_api.saga.steps import SagaKind, SagaStatus
from arcadia_platform.db import Connection
from arcadia_platform.logs import get_logger
from arcadia_platform.outbox import Outbox

log = get_logger(__name__)


class SagaDeadlines:
    def __init__(self, pool: asyncpg.Pool, outbox: Outbox, settings: ApiSettings) -> None:
        self._pool = pool
        self._outbox = outbox
        self._settings = settings

    async def run(self) -> None:
        while True:
            expired = await self.tick()
            if expired:
                self._outbox.notify()
            await asyncio.sleep(self._settings.saga_tick_s)

    async def tick(self) -> int:
        async with self._pool.acquire() as conn, conn.transaction():
            ids = await sagas.overdue(conn, limit=100)
            for saga_id in ids:
                saga = await sagas.get(conn, saga_id)
                if saga is not None:
                    await self._expire(conn, saga)
        return len(ids)

    async def _expire(self, conn: Connection, saga: Saga) -> None:
        now = datetime.now(UTC)
        if saga.status is SagaStatus.COMPENSATING or saga.kind is SagaKind.TEARDOWN:
            if saga.deadline_at < now:
                # For operators; the deployment is not cancelled here. The undo may only be late
                # (its abort or its reports held up by a broker outage): the participants still
                # undo, and their reports still settle the saga and cancel the deployment.
                saga.compensation_failed(
                    saga.current_step, "did not finish before its deadline", now
                )
                await sagas.save(conn, saga)
                log.warning("saga.compensation_overdue", saga_id=str(saga.id), kind=saga.kind.value)
            return
        expiry = saga.expired(now)
        if expiry is None:
            return
        step, reason = expiry
        compensation = timedelta(seconds=self._settings.compensation_timeout_s)
        await abort_and_announce(conn, self._outbox, saga, step, reason, now, compensation)
        log.warning("saga.deadline_exceeded", saga_id=str(saga.id), step=step, reason=reason)
