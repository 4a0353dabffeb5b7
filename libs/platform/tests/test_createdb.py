"""A service's missing database is created at start when the role may, and named when it may not."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from arcadia_platform.createdb import (
    DatabaseCreationError,
    create_database,
    create_pool_creating_database,
)
from arcadia_platform.settings import database_url_for
from arcadia_testing.plugin import unique

# PostgreSQL only (`make setup` started it): the `infra` fixture would also wait for Kafka.
pytestmark = pytest.mark.integration


@pytest.fixture
async def admin() -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(database_url_for("postgres"))
    yield conn
    await conn.close()


async def _exists(admin: asyncpg.Connection, name: str) -> bool:
    return bool(await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name))


async def test_the_pool_creates_a_missing_database_once(admin: asyncpg.Connection) -> None:
    name = unique("createdb")
    url = database_url_for(name)
    assert not await _exists(admin, name)
    try:
        pool = await create_pool_creating_database(url, min_size=1, max_size=1)
        try:
            assert await pool.fetchval("SELECT current_database()") == name
        finally:
            await pool.close()
        assert await _exists(admin, name)
        assert await create_database(url) is False  # already there: nothing to do
    finally:
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


async def test_a_role_that_may_not_create_gets_an_error_naming_the_database(
    admin: asyncpg.Connection,
) -> None:
    role, name = unique("nocreate"), unique("createdb")
    await admin.execute(f"CREATE ROLE {role} LOGIN PASSWORD 'pw' NOCREATEDB")
    parts = urlsplit(database_url_for(name))
    url = urlunsplit(parts._replace(netloc=f"{role}:pw@{parts.hostname}:{parts.port}"))
    try:
        with pytest.raises(DatabaseCreationError, match=f"{name}.*CREATEDB"):
            await create_pool_creating_database(url, min_size=1, max_size=1)
        assert not await _exists(admin, name)
    finally:
        await admin.execute(f"DROP ROLE IF EXISTS {role}")
