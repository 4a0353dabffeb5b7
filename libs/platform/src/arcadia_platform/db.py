"""asyncpg pool and a migrations runner for plain `.sql` files.

Each file `NNNN_name.sql` runs once, in its own transaction, under an advisory lock so that
several instances starting together apply it once. Applied files are recorded with a checksum;
editing an applied file is an error (write a new migration instead).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeAlias

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from arcadia_platform.logs import get_logger
from arcadia_platform.pooled_connection import PooledConnection
from arcadia_platform.pooled_connection import holds_session_state as holds_session_state

log = get_logger(__name__)
MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
# Any constant works; it only has to be the same for every process migrating one database.
MIGRATION_LOCK_KEY = 0x0A2CAD1A

Pool: TypeAlias = "asyncpg.Pool[asyncpg.Record]"
# What handlers receive: a pooled connection or a plain one; both run the same queries.
Connection: TypeAlias = "asyncpg.Connection[asyncpg.Record] | PoolConnectionProxy[asyncpg.Record]"


# What an unreachable, restarting or overloaded database raises: none of it is the request's or
# the message's fault, so callers answer 503 or retry instead of failing for good. TimeoutError is
# a pool acquire timeout or a command timeout; OSError a refused or reset connection.
# InternalClientError ("cannot switch to state 15; another operation (2) is in progress") is what
# asyncpg raises when a pooled connection whose server was killed mid-transaction is reset on its
# way back to the pool: it hides the connection loss behind it (seen in the PostgreSQL outage
# chaos test as a 500 on POST /deployments).
DATABASE_UNAVAILABLE: tuple[type[BaseException], ...] = (
    OSError,
    asyncpg.InternalClientError,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.TooManyConnectionsError,
)


class MigrationError(Exception):
    """A migration set is inconsistent with what the database has applied."""


class NonDurableDatabaseError(RuntimeError):
    """The database server may lose committed transactions in a crash."""


# Settings whose value makes a commit survive a crash of the server: any value but these loses
# acknowledged commits (synchronous_commit = off) or risks the whole cluster (fsync = off).
DURABLE_VALUES = {
    "fsync": {"on"},
    "synchronous_commit": {"on", "local", "remote_write", "remote_apply"},
}


async def non_durable_settings(conn: Connection) -> dict[str, str]:
    """The durability settings of this session's server that are not durable (name -> value)."""
    found: dict[str, str] = {}
    for name, durable in DURABLE_VALUES.items():
        value = str(await conn.fetchval(f"SHOW {name}"))
        if value not in durable:
            found[name] = value
    return found


async def require_durable(pool: Pool, *, allow_non_durable: bool, setting_name: str) -> None:
    """Refuse to run on a database that can forget a commit whose Kafka offset was committed."""
    async with pool.acquire() as conn:
        weak = await non_durable_settings(conn)
    if not weak:
        return
    described = ", ".join(f"{k} = {v}" for k, v in sorted(weak.items()))
    if allow_non_durable:
        log.warning("database.non_durable_allowed", settings=described)
        return
    raise NonDurableDatabaseError(
        f"the database is not durable ({described}): a crash can lose transactions whose"
        f" Kafka offsets are already committed. Turn the setting on in postgresql.conf, or set"
        f" {setting_name}=true for a throwaway database"
    )


@dataclass(frozen=True)
class Migration:
    component: str
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def load_migrations(component: str, directory: Path) -> list[Migration]:
    found: list[Migration] = []
    for path in sorted(directory.glob("*.sql")):
        match = MIGRATION_NAME.match(path.name)
        if match is None:
            raise MigrationError(f"{path.name}: migration files are named NNNN_snake_case.sql")
        found.append(Migration(component, int(match.group(1)), path.stem, path.read_text()))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"{component}: two migrations share a version number")
    return found


async def _init_connection(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")
    await conn.set_type_codec("json", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


class TimedPool(asyncpg.Pool):
    """A pool whose `acquire()` gives up after `acquire_timeout_s` unless told otherwise.

    Without it a caller waits for a connection as long as the database takes to come back (or to
    answer a connect that a frozen server never answers): a request would hang instead of getting
    a 503, and a consumer would stall instead of retrying.
    """

    __slots__ = ("acquire_timeout_s",)

    def __init__(self, *args: Any, acquire_timeout_s: float | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.acquire_timeout_s = acquire_timeout_s

    def acquire(self, *, timeout: float | None = None) -> Any:
        return super().acquire(timeout=self.acquire_timeout_s if timeout is None else timeout)


async def create_pool(
    url: str,
    *,
    min_size: int = 1,
    max_size: int = 10,
    acquire_timeout_s: float | None = None,
    connect_timeout_s: float = 60.0,
    command_timeout_s: float = 60.0,
) -> asyncpg.Pool:
    pool = TimedPool(
        url,
        acquire_timeout_s=acquire_timeout_s,
        min_size=min_size,
        max_size=max_size,
        max_queries=50_000,
        max_inactive_connection_lifetime=300.0,
        init=_init_connection,
        loop=None,
        connection_class=PooledConnection,
        record_class=asyncpg.Record,
        command_timeout=command_timeout_s,
        timeout=connect_timeout_s,
    )
    await pool
    return pool


async def migrate(pool: asyncpg.Pool, sets: Sequence[tuple[str, Path]]) -> list[str]:
    """Apply every pending migration of each (component, directory); returns what it applied."""
    migrations = [m for component, directory in sets for m in load_migrations(component, directory)]
    applied_now: list[str] = []
    async with pool.acquire() as conn:
        holds_session_state(conn)
        await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY)
        try:
            await conn.execute(
                """CREATE TABLE IF NOT EXISTS schema_migrations (
                       component text NOT NULL,
                       version integer NOT NULL,
                       name text NOT NULL,
                       checksum text NOT NULL,
                       applied_at timestamptz NOT NULL DEFAULT now(),
                       PRIMARY KEY (component, version))"""
            )
            rows = await conn.fetch(
                "SELECT component, version, name, checksum FROM schema_migrations"
            )
            applied: dict[tuple[str, int], Any] = {(r["component"], r["version"]): r for r in rows}
            for migration in migrations:
                done = applied.get((migration.component, migration.version))
                if done is not None:
                    if done["checksum"] != migration.checksum:
                        raise MigrationError(
                            f"{migration.component}/{migration.name} was changed after it was"
                            " applied; add a new migration instead"
                        )
                    continue
                async with conn.transaction():
                    await conn.execute(migration.sql)
                    await conn.execute(
                        "INSERT INTO schema_migrations (component, version, name, checksum)"
                        " VALUES ($1, $2, $3, $4)",
                        migration.component,
                        migration.version,
                        migration.name,
                        migration.checksum,
                    )
                applied_now.append(f"{migration.component}/{migration.name}")
                log.info("migration.applied", component=migration.component, name=migration.name)
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_KEY)
    return applied_now
