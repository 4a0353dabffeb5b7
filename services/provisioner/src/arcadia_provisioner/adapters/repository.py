"""Every SQL statement of the provisioner (asyncpg, no ORM), returning typed rows."""

from __future__ import annotations

import hashlib
from contextlib import AbstractAsyncContextManager
from dataclasses import asdict
from datetime import timedelta
from typing import Any
from uuid import UUID

import asyncpg

from arcadia_contracts import Event, envelope, topics
from arcadia_platform.db import Connection, holds_session_state
from arcadia_platform.outbox import Outbox
from arcadia_platform.tracing import current_traceparent
from arcadia_provisioner.domain.model import (
    DueJob,
    Job,
    JobKind,
    PreviousRecord,
    Provisioning,
    ProvisioningChanges,
    Teardown,
)
from arcadia_provisioner.ports import Subject

PRODUCER = "provisioner"
_PROVISIONING_COLUMNS = tuple(Provisioning.__dataclass_fields__)
_RETURNING = "RETURNING " + ", ".join(_PROVISIONING_COLUMNS)


def _provisioning(row: asyncpg.Record) -> Provisioning:
    values = {name: row[name] for name in _PROVISIONING_COLUMNS}
    previous = values["dns_previous"]
    values["dns_previous"] = PreviousRecord(previous["id"], previous["data"]) if previous else None
    return Provisioning(**values)


def _column_value(value: object) -> object:
    # jsonb goes through the pool's json codec: a dict, not the dataclass.
    return asdict(value) if isinstance(value, PreviousRecord) else value


def saga_lock_key(saga_id: UUID) -> int:
    """The session advisory lock key of a saga: one worker at a time runs its jobs."""
    return int.from_bytes(
        hashlib.blake2b(saga_id.bytes, digest_size=8).digest(), "big", signed=True
    )


class PgProvisioningStore:
    """The ProvisioningStore on one connection; `publish` writes to the service's outbox."""

    def __init__(self, conn: Connection, outbox: Outbox) -> None:
        self._conn = conn
        self._outbox = outbox
        # The saga's next due job as the last `finish` saw it (see due_job_of).
        self._after_finish: tuple[int | None] | None = None

    def transaction(self) -> AbstractAsyncContextManager[Any]:
        return self._conn.transaction()

    async def open_provisioning(
        self, saga_id: UUID, deployment_id: UUID, tenant_id: str, changes: ProvisioningChanges
    ) -> Provisioning:
        await self._conn.execute(
            "INSERT INTO provisionings (saga_id, deployment_id, tenant_id) VALUES ($1, $2, $3)"
            " ON CONFLICT (saga_id) DO NOTHING",
            saga_id,
            deployment_id,
            tenant_id,
        )
        return await self.update_provisioning(saga_id, changes)

    async def update_provisioning(
        self, saga_id: UUID, changes: ProvisioningChanges
    ) -> Provisioning:
        """Apply `changes` (column names from the typed dict, never from input); locks the row."""
        assignments = "".join(f"{name} = ${i}, " for i, name in enumerate(changes, start=2))
        sql = f"UPDATE provisionings SET {assignments}updated_at = now() WHERE saga_id = $1 {_RETURNING}"
        values = [_column_value(v) for v in changes.values()]
        row: asyncpg.Record | None = await self._conn.fetchrow(sql, saga_id, *values)
        if row is None:
            raise LookupError(f"no provisioning for saga {saga_id}")
        return _provisioning(row)

    async def mark_aborted(self, saga_id: UUID, reason: str) -> None:
        await self._conn.execute(
            "UPDATE provisionings SET aborted_at = COALESCE(aborted_at, now()),"
            " abort_reason = COALESCE(abort_reason, $2) WHERE saga_id = $1",
            saga_id,
            reason,
        )

    async def get_provisioning(self, saga_id: UUID) -> Provisioning | None:
        row: asyncpg.Record | None = await self._conn.fetchrow(
            "SELECT * FROM provisionings WHERE saga_id = $1", saga_id
        )
        return _provisioning(row) if row is not None else None

    async def completed_provisioning_of(self, deployment_id: UUID) -> Provisioning | None:
        row: asyncpg.Record | None = await self._conn.fetchrow(
            "SELECT * FROM provisionings WHERE deployment_id = $1 AND dns_pointed"
            " AND aborted_at IS NULL ORDER BY created_at DESC LIMIT 1",
            deployment_id,
        )
        return _provisioning(row) if row is not None else None

    async def add_teardown(self, teardown: Teardown) -> None:
        await self._conn.execute(
            "INSERT INTO teardowns (saga_id, deployment_id, tenant_id, provisioning_saga)"
            " VALUES ($1, $2, $3, $4) ON CONFLICT (saga_id) DO NOTHING",
            teardown.saga_id,
            teardown.deployment_id,
            teardown.tenant_id,
            teardown.provisioning_saga,
        )

    async def get_teardown(self, saga_id: UUID) -> Teardown | None:
        row: asyncpg.Record | None = await self._conn.fetchrow(
            "SELECT saga_id, deployment_id, tenant_id, provisioning_saga FROM teardowns"
            " WHERE saga_id = $1",
            saga_id,
        )
        return Teardown(**dict(row)) if row is not None else None

    async def schedule(
        self, saga_id: UUID, kind: JobKind, *, deadline_s: float | None = None
    ) -> bool:
        deadline = timedelta(seconds=deadline_s) if deadline_s is not None else None
        created = await self._conn.fetchval(
            "INSERT INTO jobs (saga_id, kind, deadline_at, traceparent)"
            " VALUES ($1, $2, now() + $3::interval, $4)"
            " ON CONFLICT (saga_id, kind) DO NOTHING RETURNING true",
            saga_id,
            kind.value,
            deadline,
            current_traceparent(),
        )
        return bool(created)

    async def claim(self, job_id: int) -> Job | None:
        row: asyncpg.Record | None = await self._conn.fetchrow(
            "UPDATE jobs SET attempts = attempts + 1 WHERE id = $1 AND done_at IS NULL"
            " AND run_at <= now()"
            " RETURNING id, saga_id, kind, attempts, COALESCE(now() > deadline_at, false) AS expired,"
            " traceparent",
            job_id,
        )
        if row is None:
            return None
        kind = JobKind(row["kind"])
        return Job(
            row["id"], row["saga_id"], kind, row["attempts"], row["expired"], row["traceparent"]
        )

    async def due_job_of(self, saga_id: UUID) -> int | None:
        """A job of this saga that is due now, if any. Right after a `finish`, the answer that
        statement already found: one round trip less per job. It is a hint only, as any answer
        here is: `claim` runs the job only if it is still due."""
        if self._after_finish is not None:
            (found,), self._after_finish = self._after_finish, None
            return found
        job_id: int | None = await self._conn.fetchval(
            "SELECT id FROM jobs WHERE saga_id = $1 AND done_at IS NULL AND run_at <= now()"
            " ORDER BY run_at LIMIT 1",
            saga_id,
        )
        return job_id

    async def finish(self, job_id: int, outcome: str) -> None:
        # The same statement looks for the saga's next due job (a job the caller's transaction
        # just scheduled is visible to it; the finished one is still undone in its snapshot).
        next_due: int | None = await self._conn.fetchval(
            "WITH done AS (UPDATE jobs SET done_at = now(), outcome = $2 WHERE id = $1"
            " RETURNING saga_id)"
            " SELECT j.id FROM jobs j, done WHERE j.saga_id = done.saga_id AND j.id <> $1"
            " AND j.done_at IS NULL AND j.run_at <= now() ORDER BY j.run_at LIMIT 1",
            job_id,
            outcome,
        )
        self._after_finish = (next_due,)

    async def retry_later(self, job_id: int, delay_s: float, error: str) -> None:
        await self._conn.execute(
            "UPDATE jobs SET run_at = now() + make_interval(secs => $2), last_error = $3"
            " WHERE id = $1",
            job_id,
            delay_s,
            error[:1000],
        )

    async def publish(self, subject: Subject, *payloads: Event) -> None:
        events = [
            envelope(
                payload,
                producer=PRODUCER,
                tenant_id=subject.tenant_id,
                deployment_id=subject.deployment_id,
                saga_id=subject.saga_id,
            )
            for payload in payloads
        ]
        await self._outbox.add(self._conn, topics.PROVISIONER, *events)


# ------------------------------------------------------------ the worker's own statements


async def due_jobs(conn: Connection, limit: int, exclude: list[UUID]) -> list[DueJob]:
    rows = await conn.fetch(
        "SELECT id, saga_id FROM jobs WHERE done_at IS NULL AND run_at <= now()"
        " AND NOT (saga_id = ANY($2::uuid[])) ORDER BY run_at LIMIT $1",
        limit,
        exclude,
    )
    return [DueJob(row["id"], row["saga_id"]) for row in rows]


async def next_job_in(conn: Connection) -> float | None:
    """Seconds until the earliest unfinished job that is not due yet falls due; None if none.
    (Jobs due already are either being started or held by another worker's saga lock.)"""
    seconds: float | None = await conn.fetchval(
        "SELECT EXTRACT(EPOCH FROM min(run_at) - now())::float8 FROM jobs"
        " WHERE done_at IS NULL AND run_at > now()"
    )
    return seconds


async def try_lock_saga(conn: Connection, saga_id: UUID) -> bool:
    """Take the saga's session advisory lock if free (released at once if the process dies)."""
    holds_session_state(conn)
    return bool(await conn.fetchval("SELECT pg_try_advisory_lock($1)", saga_lock_key(saga_id)))


async def unlock_saga(conn: Connection, saga_id: UUID) -> None:
    await conn.execute("SELECT pg_advisory_unlock($1)", saga_lock_key(saga_id))
