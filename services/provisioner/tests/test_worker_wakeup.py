"""The job worker sleeps until the next delayed job falls due, not until the next poll.

Against the real PostgreSQL: with a one-minute safety-net poll, a job due in half a second
makes the worker's next wait about half a second; finished jobs do not count.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from uuid import uuid4

import asyncpg
import pytest

from arcadia_platform.db import create_pool, migrate
from arcadia_platform.faults import NO_FAULTS
from arcadia_platform.outbox import Outbox
from arcadia_platform.runtime import PLATFORM_MIGRATIONS
from arcadia_provisioner.app import MIGRATIONS
from arcadia_provisioner.config import ProvisionerSettings
from arcadia_provisioner.worker import JobWorker

POLL_S = 60.0


@pytest.fixture
async def pool(database: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(database, max_size=4)
    await migrate(pool, [("platform", PLATFORM_MIGRATIONS), ("provisioner", MIGRATIONS)])
    yield pool
    await pool.close()


def worker(pool: asyncpg.Pool, concurrency: int = 4) -> JobWorker:
    settings = ProvisionerSettings(job_poll_interval_s=POLL_S, job_concurrency=concurrency)
    cloud: Any = None  # no job is due: nothing calls the provider
    return JobWorker(pool, Outbox(), cloud, settings, NO_FAULTS)


async def add_job(pool: asyncpg.Pool, in_s: float, *, done: bool = False) -> None:
    await pool.execute(
        "INSERT INTO jobs (saga_id, kind, run_at, done_at)"
        " VALUES ($1, 'point_dns', now() + make_interval(secs => $2),"
        " CASE WHEN $3 THEN now() END)",
        uuid4(),
        in_s,
        done,
    )


async def test_idle_with_no_jobs_it_waits_for_the_safety_net_poll(pool: asyncpg.Pool) -> None:
    await add_job(pool, 0.5, done=True)  # finished jobs do not count

    assert await worker(pool)._start_due_jobs() == POLL_S


async def test_a_delayed_job_sets_the_wait_to_when_it_falls_due(pool: asyncpg.Pool) -> None:
    await add_job(pool, 30.0)
    await add_job(pool, 0.5)

    wait_s = await worker(pool)._start_due_jobs()

    assert 0.0 < wait_s <= 0.5


async def test_with_no_free_slot_it_waits_to_be_woken_by_a_finished_job(
    pool: asyncpg.Pool,
) -> None:
    await add_job(pool, 0.5)

    assert await worker(pool, concurrency=0)._start_due_jobs() == POLL_S
