"""The pool's acquire timeout: a caller waiting for a connection gives up instead of hanging."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from arcadia_platform.db import DATABASE_UNAVAILABLE, create_pool


async def test_acquire_gives_up_after_the_pool_timeout_when_every_connection_is_taken(
    database: str,
) -> None:
    pool = await create_pool(database, min_size=1, max_size=1, acquire_timeout_s=0.5)
    try:
        async with pool.acquire():
            with pytest.raises(TimeoutError) as raised:
                async with pool.acquire():
                    pass
        # ...which callers treat as the database being unavailable (503, redelivery).
        assert isinstance(raised.value, DATABASE_UNAVAILABLE)
        async with pool.acquire() as conn:  # and the pool is fine once a connection is free
            assert await conn.fetchval("SELECT 1") == 1
    finally:
        await pool.close()


async def test_an_explicit_timeout_wins_over_the_pool_default(database: str) -> None:
    pool = await create_pool(database, min_size=1, max_size=1, acquire_timeout_s=30)
    try:
        async with pool.acquire():
            waiting = asyncio.create_task(_acquire(pool, wait_s=0.3))
            done, _ = await asyncio.wait({waiting}, timeout=20)
            assert waiting in done, "the explicit 0.3 s timeout was ignored"
            with pytest.raises(TimeoutError):
                waiting.result()
    finally:
        await pool.close()


async def _acquire(pool: asyncpg.Pool, *, wait_s: float) -> None:
    async with pool.acquire(timeout=wait_s):
        pass
