"""Saga records in the api's database (plain SQL over asyncpg)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

import asyncpg

from arcadia_api.saga.model import Saga
from arcadia_api.saga.steps import SagaKind, SagaStatus, Step, StepStatus
from arcadia_platform.db import Connection

SAGA_COLUMNS = (
    "id, deployment_id, tenant_id, kind, status, started_at, deadline_at, finished_at,"
    " failed_step, reason, reports, droplet_id"
)


def step_of(row: Mapping[str, Any] | asyncpg.Record) -> Step:
    return Step(
        name=row["step"],
        position=row["position"],
        status=StepStatus(row["status"]),
        attempts=row["attempts"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        deadline_at=row["deadline_at"],
        last_error=row["last_error"],
    )


def saga_of(row: Mapping[str, Any] | asyncpg.Record, steps: list[Step]) -> Saga:
    return Saga(
        id=row["id"],
        deployment_id=row["deployment_id"],
        tenant_id=row["tenant_id"],
        kind=SagaKind(row["kind"]),
        status=SagaStatus(row["status"]),
        started_at=row["started_at"],
        deadline_at=row["deadline_at"],
        steps=steps,
        finished_at=row["finished_at"],
        failed_step=row["failed_step"],
        reason=row["reason"],
        reports=set(row["reports"]),
        droplet_id=row["droplet_id"],
    )


STEP_FIELDS = (
    "saga_id",
    "step",
    "position",
    "status",
    "attempts",
    "started_at",
    "finished_at",
    "deadline_at",
    "last_error",
)
# Sagas with their steps in one statement (an array of anonymous records, decoded with the same
# codecs as columns): the saga handlers read one per consumed event, and this was two round trips.
_WITH_STEPS = (
    f"SELECT {SAGA_COLUMNS}, ARRAY(SELECT ROW({', '.join(f'st.{f}' for f in STEP_FIELDS)})"
    " FROM saga_steps st WHERE st.saga_id = sagas.id ORDER BY st.position) AS saga_steps"
    " FROM sagas"
)


def step_from_values(values: Sequence[Any]) -> Step:
    """A step from one anonymous record of STEP_FIELDS (the saga's id is its first value)."""
    return step_of(dict(zip(STEP_FIELDS, values, strict=True)))


def _with_steps(row: asyncpg.Record) -> Saga:
    return saga_of(row, [step_from_values(values) for values in row["saga_steps"]])


def _one_with_steps(row: asyncpg.Record | None) -> Saga | None:
    return None if row is None else _with_steps(row)


async def get(conn: Connection, saga_id: UUID, *, for_update: bool = False) -> Saga | None:
    lock = " FOR UPDATE" if for_update else ""
    return _one_with_steps(await conn.fetchrow(f"{_WITH_STEPS} WHERE id = $1{lock}", saga_id))


async def of_deployment(conn: Connection, deployment_id: UUID) -> list[Saga]:
    """Every saga of a deployment, oldest first."""
    rows = await conn.fetch(
        f"{_WITH_STEPS} WHERE deployment_id = $1 ORDER BY started_at, id", deployment_id
    )
    return [_with_steps(row) for row in rows]


async def latest(
    conn: Connection, deployment_id: UUID, kind: SagaKind, *, for_update: bool = False
) -> Saga | None:
    lock = " FOR UPDATE" if for_update else ""
    row = await conn.fetchrow(
        f"{_WITH_STEPS} WHERE deployment_id = $1 AND kind = $2"
        f" ORDER BY started_at DESC, id DESC LIMIT 1{lock}",
        deployment_id,
        kind.value,
    )
    return _one_with_steps(row)


# The saga and all its steps in one statement (a data-modifying CTE, then unnest): a handler
# saves the saga once per consumed event, and this was two round trips. The steps' foreign key
# is checked at the end of the statement, when the saga's row exists.
_SAVE = (
    "WITH saga AS (INSERT INTO sagas (id, deployment_id, tenant_id, kind, status, started_at,"
    " deadline_at, finished_at, failed_step, reason, reports, request, droplet_id)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, COALESCE($12::text::jsonb, '{}'),"
    " $13)"
    " ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status,"
    " deadline_at = EXCLUDED.deadline_at, finished_at = EXCLUDED.finished_at,"
    " failed_step = EXCLUDED.failed_step, reason = EXCLUDED.reason, reports = EXCLUDED.reports,"
    " droplet_id = EXCLUDED.droplet_id RETURNING id)"
    " INSERT INTO saga_steps (saga_id, position, step, status, attempts, started_at,"
    " finished_at, deadline_at, last_error)"
    " SELECT (SELECT id FROM saga), * FROM unnest($14::int[], $15::text[], $16::text[],"
    " $17::int[], $18::timestamptz[], $19::timestamptz[], $20::timestamptz[], $21::text[])"
    " ON CONFLICT (saga_id, position) DO UPDATE SET status = EXCLUDED.status,"
    " attempts = EXCLUDED.attempts, started_at = EXCLUDED.started_at,"
    " finished_at = EXCLUDED.finished_at, deadline_at = EXCLUDED.deadline_at,"
    " last_error = EXCLUDED.last_error"
)


async def save(conn: Connection, saga: Saga, request: dict[str, Any] | None = None) -> None:
    steps = saga.steps
    await conn.execute(
        _SAVE,
        saga.id,
        saga.deployment_id,
        saga.tenant_id,
        saga.kind.value,
        saga.status.value,
        saga.started_at,
        saga.deadline_at,
        saga.finished_at,
        saga.failed_step,
        saga.reason,
        sorted(saga.reports),
        None if request is None else json.dumps(request),
        saga.droplet_id,
        [s.position for s in steps],
        [s.name for s in steps],
        [s.status.value for s in steps],
        [s.attempts for s in steps],
        [s.started_at for s in steps],
        [s.finished_at for s in steps],
        [s.deadline_at for s in steps],
        [s.last_error for s in steps],
    )


async def overdue(conn: Connection, limit: int) -> list[UUID]:
    """Open sagas with a passed deadline (saga or running step), locked for this transaction."""
    rows = await conn.fetch(
        "SELECT id FROM sagas WHERE status IN ('running', 'compensating') AND ("
        "  deadline_at < now() OR (status = 'running' AND EXISTS ("
        "    SELECT 1 FROM saga_steps s WHERE s.saga_id = sagas.id AND s.status = 'running'"
        "    AND s.deadline_at < now())))"
        " ORDER BY deadline_at LIMIT $1 FOR UPDATE SKIP LOCKED",
        limit,
    )
    return [row["id"] for row in rows]


async def page(
    conn: Connection, *, status: SagaStatus | None, kind: SagaKind | None, limit: int
) -> list[Saga]:
    rows = await conn.fetch(
        f"{_WITH_STEPS} WHERE ($1::text IS NULL OR status = $1)"
        " AND ($2::text IS NULL OR kind = $2) ORDER BY started_at DESC, id DESC LIMIT $3",
        None if status is None else status.value,
        None if kind is None else kind.value,
        limit,
    )
    return [_with_steps(row) for row in rows]
