"""The gateway's retention purge of expired Idempotency-Key answers (real PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg

from arcadia_api.app import MIGRATIONS, create_app
from arcadia_api.config import ApiSettings
from arcadia_platform.db import migrate
from arcadia_platform.retention import Retention
from arcadia_platform.runtime import PLATFORM_MIGRATIONS, ServiceRuntime


async def test_expired_idempotency_keys_are_purged_and_live_ones_kept(database: str) -> None:
    settings = ApiSettings(environment="development", database_url=database, idempotency_ttl_s=3600)
    runtime: ServiceRuntime = create_app(settings).state.runtime
    pool = await asyncpg.create_pool(database, min_size=1, max_size=2)
    try:
        await migrate(pool, [("platform", PLATFORM_MIGRATIONS), ("api", MIGRATIONS)])
        now = datetime.now(UTC)
        ages = {"expired-1": 2, "expired-2": 25, "expired-3": 1.01, "live": 0.5, "new": 0}
        await pool.executemany(
            "INSERT INTO idempotency_keys (tenant_id, key, fingerprint, status_code, media_type,"
            " body, created_at) VALUES ('acme', $1, 'f', 201, 'application/json', '{}', $2)",
            [(key, now - timedelta(hours=hours)) for key, hours in ages.items()],
        )
        retention = Retention(pool, runtime.purges, batch_size=2, interval_s=60)

        assert await retention.purge_once(now) == {"idempotency_keys": 3}
        left = await pool.fetch("SELECT key FROM idempotency_keys ORDER BY key")
        assert [r["key"] for r in left] == ["live", "new"]
    finally:
        await pool.close()
