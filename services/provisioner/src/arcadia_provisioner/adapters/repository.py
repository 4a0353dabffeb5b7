"""SQL for provisionings, teardowns and jobs (asyncpg, no ORM)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

import asyncpg

from arcadia_platform.db import Connection
from arcadia_provisioner.domain import JobKind


async def upsert_provisioning(
    conn: Connection, saga_id: UUID, deployment_id: UUID, tenant_id: str, **fields: Any
) -> asyncpg.Record:
    """Create the saga's row if missing, then set `fields`; returns the row (locked)."""
    await conn.execute(
        "INSERT INTO provisionings (saga_id, deployment_id, tenant_id) VALUES ($1, $2, $3)"
        " ON CONFLICT (saga_id) DO NOTHING",
        saga_id,
        deployment_id,
        tenant_id,
    )
    return await update_provisioning(conn, saga_id, **fields)


async def update_provisioning(conn: Connection, saga_id: UUID, **fields: Any) -> asyncpg.Record:
    assignments = ", ".join(f"{name} = ${i}" for i, name in enumerate(fields, start=2))
    sql = (
        f"UPDATE provisionings SET {assignments + ', ' if assignments else ''}updated_at = now()"
        " WHERE saga_id = $1 RETURNING *"
    )
    row: asyncpg.Record | None = await conn.fetchrow(sql, saga_id, *fields.values())
    if row is None:
        raise LookupError(f"no provisioning for saga {saga_id}")
    return row


async def get_provisioning(conn: Connection, saga_id: UUID) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await conn.fetchrow(
        "SELECT * FROM provisionings WHERE saga_id = $1", saga_id
    )
    return row


async def completed_provisioning_of(conn: Connection, deployment_id: UUID) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await conn.fetchrow(
        "SELECT * FROM provisionings WHERE deployment_id = $1 AND dns_pointed AND aborted_at IS NULL"
        " ORDER BY created_at DESC LIMIT 1",
        deployment_id,
    )
    return row


async def schedule(
    conn: Connection, saga_id: UUID, kind: JobKind, *, deadline_s: float | None = None
) -> bool:
    """Schedule a job once per (saga, kind); True if this call created it."""
    deadline = timedelta(seconds=deadline_s) if deadline_s is not None else None
    created = await conn.fetchval(
        "INSERT INTO jobs (saga_id, kind, deadline_at) VALUES ($1, $2, now() + $3::interval)"
        " ON CONFLICT (saga_id, kind) DO NOTHING RETURNING true",
        saga_id,
        kind.value,
        deadline,
    )
    return bool(created)


async def due_jobs(conn: Connection, limit: int, exclude: list[UUID]) -> list[asyncpg.Record]:
    rows = await conn.fetch(
        "SELECT id, saga_id, kind FROM jobs WHERE done_at IS NULL AND run_at <= now()"
        " AND NOT (saga_id = ANY($2::uuid[])) ORDER BY run_at LIMIT $1",
        limit,
        exclude,
    )
    return list(rows)


async def due_job_of(conn: Connection, saga_id: UUID) -> int | None:
    """A job of this saga that is due now, if any."""
    job_id: int | None = await conn.fetchval(
        "SELECT id FROM jobs WHERE saga_id = $1 AND done_at IS NULL AND run_at <= now()"
        " ORDER BY run_at LIMIT 1",
        saga_id,
    )
    return job_id


async def claim(conn: Connection, job_id: int) -> asyncpg.Record | None:
    """Count an attempt at a job that is still due (the caller holds the saga's lock)."""
    row: asyncpg.Record | None = await conn.fetchrow(
        "UPDATE jobs SET attempts = attempts + 1 WHERE id = $1 AND done_at IS NULL"
        " AND run_at <= now() RETURNING *, now() > deadline_at AS expired",
        job_id,
    )
    return row


async def finish(conn: Connection, job_id: int, outcome: str) -> None:
    await conn.execute(
        "UPDATE jobs SET done_at = now(), outcome = $2 WHERE id = $1", job_id, outcome
    )


async def retry_later(conn: Connection, job_id: int, delay_s: float, error: str) -> None:
    await conn.execute(
        "UPDATE jobs SET run_at = now() + make_interval(secs => $2), last_error = $3 WHERE id = $1",
        job_id,
        delay_s,
        error[:1000],
    )


async def next_due_in(conn: Connection) -> float | None:
    seconds: float | None = await conn.fetchval(
        "SELECT EXTRACT(EPOCH FROM min(run_at) - now()) FROM jobs WHERE done_at IS NULL"
    )
    return seconds
