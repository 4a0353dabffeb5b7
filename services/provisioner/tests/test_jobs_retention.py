"""The provisioner's retention purge of finished provider jobs (real PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import asyncpg

from arcadia_platform.db import migrate
from arcadia_platform.retention import Retention
from arcadia_platform.runtime import PLATFORM_MIGRATIONS, ServiceRuntime
from arcadia_provisioner.app import MIGRATIONS, create_app
from arcadia_provisioner.config import ProvisionerSettings

DAY = timedelta(days=1)


async def test_finished_jobs_go_after_their_retention_unfinished_ones_never(
    database: str,
) -> None:
    settings = ProvisionerSettings(database_url=database, jobs_retention_s=7 * DAY.total_seconds())
    runtime: ServiceRuntime = create_app(settings).state.runtime
    pool = await asyncpg.create_pool(database, min_size=1, max_size=2)
    try:
        await migrate(pool, [("platform", PLATFORM_MIGRATIONS), ("provisioner", MIGRATIONS)])
        now = datetime.now(UTC)
        jobs = [  # (kind, created_at, done_at)
            ("old-done", now - 30 * DAY, now - 8 * DAY),
            ("old-done-2", now - 9 * DAY, now - 7 * DAY - timedelta(seconds=1)),
            ("recent-done", now - 9 * DAY, now - DAY),
            ("old-pending", now - 30 * DAY, None),
        ]
        await pool.executemany(
            "INSERT INTO jobs (saga_id, kind, created_at, run_at, done_at) VALUES ($1, $2, $3, $3, $4)",
            [(uuid4(), *job) for job in jobs],
        )
        retention = Retention(pool, runtime.purges, batch_size=1, interval_s=60)

        assert await retention.purge_once(now) == {"finished_jobs": 2}
        left = await pool.fetch("SELECT kind FROM jobs ORDER BY kind")
        assert [r["kind"] for r in left] == ["old-pending", "recent-done"]
    finally:
        await pool.close()
