"""A service creates its own database at start when it is missing and its role may (like createdb)."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import asyncpg

from arcadia_platform.db import create_pool
from arcadia_platform.logs import get_logger
from arcadia_platform.settings import ServiceSettings

log = get_logger(__name__)
# Where CREATE DATABASE is sent from: every server has `postgres`, and `template1` when an
# administrator dropped it.
MAINTENANCE_DATABASES = ("postgres", "template1")


class DatabaseCreationError(RuntimeError):
    """The service's database does not exist and could not be created."""


def database_name(url: str) -> str:
    return unquote(urlsplit(url).path.lstrip("/"))


def _on_database(url: str, database: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{database}"))


async def _maintenance_connection(url: str, timeout_s: float) -> asyncpg.Connection:
    last: Exception | None = None
    for database in MAINTENANCE_DATABASES:
        try:
            return await asyncpg.connect(_on_database(url, database), timeout=timeout_s)
        except asyncpg.InvalidCatalogNameError as error:
            last = error
    raise DatabaseCreationError(f"no maintenance database on the server: {last}")


async def create_database(url: str, *, timeout_s: float = 10.0) -> bool:
    """Create the database `url` names unless it exists; True when this call created it.

    Several instances may start together: the one that loses the race finds it created. A role
    without CREATEDB gets an error that names the database and what to do.
    """
    name = database_name(url)
    conn = await _maintenance_connection(url, timeout_s)
    try:
        if await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            return False
        quoted = '"' + name.replace('"', '""') + '"'
        try:
            await conn.execute(f"CREATE DATABASE {quoted}")
        except asyncpg.DuplicateDatabaseError:
            return False
        except asyncpg.InsufficientPrivilegeError as error:
            raise DatabaseCreationError(
                f"database {name!r} does not exist and this role may not create it ({error}):"
                f" create it (CREATE DATABASE {quoted}) or grant the role CREATEDB"
            ) from error
    finally:
        await conn.close()
    log.info("database.created", database=name)
    return True


async def create_pool_creating_database(
    url: str, *, connect_timeout_s: float = 10.0, **options: Any
) -> asyncpg.Pool:
    """`db.create_pool`, after creating the database first if the server says it is missing.

    The maintenance database is only reached when the service's own is missing, so a role that
    may connect to nothing else starts as before.
    """
    try:
        return await create_pool(url, connect_timeout_s=connect_timeout_s, **options)
    except asyncpg.InvalidCatalogNameError:
        await create_database(url, timeout_s=connect_timeout_s)
    return await create_pool(url, connect_timeout_s=connect_timeout_s, **options)


async def open_pools(settings: ServiceSettings) -> tuple[asyncpg.Pool, asyncpg.Pool]:
    """The service's two pools on its database: one for HTTP requests, and a small one of its own
    for event processing (consumers, the outbox relay, timers, workers), so requests holding every
    connection of the first cannot stop events from being handled."""
    options: dict[str, Any] = {
        "acquire_timeout_s": settings.db_acquire_timeout_s,
        "connect_timeout_s": settings.db_connect_timeout_s,
        "command_timeout_s": settings.db_command_timeout_s,
    }
    http = await create_pool_creating_database(
        settings.database_url,
        min_size=settings.db_pool_min,
        max_size=settings.db_pool_max,
        **options,
    )
    try:
        events = await create_pool(
            settings.database_url,
            min_size=min(settings.db_events_pool_min, settings.db_events_pool_max),
            max_size=settings.db_events_pool_max,
            **options,
        )
    except BaseException:
        await http.close()
        raise
    return http, events
