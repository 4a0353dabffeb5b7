"""A service refuses a database that can lose committed transactions in a crash."""

from __future__ import annotations

import asyncpg
import pytest

from arcadia_platform.db import NonDurableDatabaseError, create_pool, require_durable

SETTING = "ARCADIA_TEST_ALLOW_NON_DURABLE_DB"


async def test_the_project_database_server_is_durable(database: str) -> None:
    pool = await create_pool(database)
    try:
        await require_durable(pool, allow_non_durable=False, setting_name=SETTING)
    finally:
        await pool.close()


async def test_asynchronous_commit_is_refused_naming_the_setting(database: str) -> None:
    conn = await asyncpg.connect(database)
    try:
        name = await conn.fetchval("SELECT current_database()")
        await conn.execute(f"ALTER DATABASE {name} SET synchronous_commit = off")
    finally:
        await conn.close()
    pool = await create_pool(database)
    try:
        with pytest.raises(NonDurableDatabaseError, match=r"synchronous_commit = off.*" + SETTING):
            await require_durable(pool, allow_non_durable=False, setting_name=SETTING)
        # Told so on purpose, it runs (and only warns).
        await require_durable(pool, allow_non_durable=True, setting_name=SETTING)
    finally:
        await pool.close()
