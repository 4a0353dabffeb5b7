"""The gateway's saga metrics: sagas by kind and status (on scrape), step durations (as steps end).

Every (kind, status) pair is set on each scrape, zeros included, so that a status that empties
shows 0 instead of keeping its last count.
"""

from __future__ import annotations

from datetime import datetime

import asyncpg

from arcadia_api.saga.model import Saga
from arcadia_api.saga.steps import SagaKind, SagaStatus
from arcadia_platform.metrics import SAGA_STEP_SECONDS, SAGAS, SCRAPE_REFRESH_TIMEOUT_S

# The sagas_status index (status, started_at) answers it without reading the rows' bodies.
COUNT_BY_STATUS = "SELECT kind, status, count(*) AS n FROM sagas GROUP BY kind, status"


async def refresh_saga_gauges(pool: asyncpg.Pool) -> None:
    async with pool.acquire(timeout=SCRAPE_REFRESH_TIMEOUT_S) as conn:
        rows = await conn.fetch(COUNT_BY_STATUS)
    counts = {(r["kind"], r["status"]): r["n"] for r in rows}
    for kind in SagaKind:
        for status in SagaStatus:
            SAGAS.labels(kind.value, status.value).set(counts.get((kind.value, status.value), 0))


def observe_steps_ended(saga: Saga, since: datetime) -> None:
    """Each step of `saga` that ended at or after `since` (i.e. in this reaction) is observed once.

    Called after the saga is saved, inside the handler's transaction: a transaction that then
    rolls back and is retried observes its steps again (rare: the handler's later statements
    failing); the histogram is for durations, so one extra sample is harmless.
    """
    for step in saga.steps:
        if (
            step.finished_at is not None
            and step.started_at is not None
            and step.finished_at >= since
        ):
            SAGA_STEP_SECONDS.labels(step.name).observe(
                (step.finished_at - step.started_at).total_seconds()
            )
