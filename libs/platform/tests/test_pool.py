"""The pool's acquire timeout: a caller waiting for a connection gives up instead of hanging."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from arcadia_platform.db import DATABASE_UNAVAILABLE, create_pool, holds_session_state


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


async def test_a_connection_goes_back_to_the_pool_without_a_statement_unless_it_holds_a_lock(
    database: str,
) -> None:
    """PooledConnection: the reset query runs only for a connection marked as holding session
    state, and then still releases its session lock; an open transaction is always rolled back."""
    pool = await create_pool(database, min_size=1, max_size=1)
    other = await asyncpg.connect(database)
    statements: list[str] = []
    try:
        async with pool.acquire() as conn:
            conn.add_query_logger(lambda record: statements.append(record.query))
            await conn.fetchval("SELECT 1")
        assert statements == ["SELECT 1"]  # released: no reset statement

        async with pool.acquire() as conn:
            holds_session_state(conn)
            assert await conn.fetchval("SELECT pg_try_advisory_lock(4242)")
            assert not await other.fetchval("SELECT pg_try_advisory_lock(4242)")
        # Released with the full reset: the lock is gone and another session takes it.
        assert await other.fetchval("SELECT pg_try_advisory_lock(4242)")
        await other.execute("SELECT pg_advisory_unlock(4242)")

        async with pool.acquire() as conn:
            transaction = conn.transaction()
            await transaction.start()
            await conn.execute("CREATE TABLE left_open (id int)")
        # A transaction left open is rolled back on release, as before.
        async with pool.acquire() as conn:
            assert await conn.fetchval("SELECT to_regclass('left_open')") is None
            assert not conn.is_in_transaction()
    finally:
        await other.close()
        await pool.close()
