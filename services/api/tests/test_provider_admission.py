"""Admission against the provider budget (saga/admission.py) on a real PostgreSQL database."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from arcadia_api.app import MIGRATIONS
from arcadia_api.saga.admission import ProviderAdmission, ProviderBudgetFullError
from arcadia_platform.db import create_pool, migrate
from arcadia_platform.runtime import PLATFORM_MIGRATIONS


@pytest.fixture
async def pool(database: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(database)
    try:
        await migrate(pool, [("platform", PLATFORM_MIGRATIONS), ("api", MIGRATIONS)])
        yield pool
    finally:
        await pool.close()


async def test_admits_what_the_budget_serves_within_the_wait_and_refuses_the_rest(
    pool: asyncpg.Pool,
) -> None:
    # 60 requests/minute, 10 per saga: a saga takes 10 s of budget; 35 s of queue admitted.
    admission = ProviderAdmission.of(60, 10, 35.0)
    assert admission is not None
    assert admission.cost_s == 10.0
    admitted = 0
    async with pool.acquire() as conn:
        for _ in range(3):
            await admission.admit(conn)
            admitted += 1
        with pytest.raises(ProviderBudgetFullError) as refused:
            await admission.admit(conn)
    assert admitted == 3
    problem = refused.value
    assert problem.status == 429
    # The 4th would end at ~40 s, 5 s past the admitted wait: retry when that much has drained.
    assert problem.headers == {"Retry-After": "5"}

    async def drained(seconds: float) -> None:  # the queue as it will be `seconds` from now
        await pool.execute(
            "UPDATE provider_admission SET tat = tat - make_interval(secs => $1)", seconds
        )

    async with pool.acquire() as conn:
        await drained(4.0)
        with pytest.raises(ProviderBudgetFullError):  # not yet
            await admission.admit(conn)
        await drained(1.0)
        await admission.admit(conn)  # after Retry-After: admitted


async def test_a_rolled_back_create_takes_nothing(pool: asyncpg.Pool) -> None:
    admission = ProviderAdmission(cost_s=10.0, max_wait_s=15.0)
    async with pool.acquire() as conn:
        for _ in range(5):
            tr = conn.transaction()
            await tr.start()
            await admission.admit(conn)
            await tr.rollback()
        await admission.admit(conn)  # the queue is still empty: admitted
        with pytest.raises(ProviderBudgetFullError):
            await admission.admit(conn)


def test_a_budget_of_zero_admits_everything() -> None:
    assert ProviderAdmission.of(0, 8, 40) is None
