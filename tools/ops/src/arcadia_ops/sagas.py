"""Sagas for operators: the api's saga records (list, stuck ones), and one saga's timeline across
the four databases: every event whose envelope names it (saga or correlation id) in an outbox,
when it was committed and sent, and when each consumer's inbox took it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final

import asyncpg

from arcadia_ops.collect import READ_ONLY
from arcadia_ops.places import SERVICES, Places

STATUSES: Final = (
    "running",
    "stuck",
    "compensating",
    "compensation_failed",
    "completed",
    "compensated",
)
OPEN: Final = ("running", "compensating")

COLUMNS = """
SELECT id::text AS id, deployment_id::text AS deployment_id, tenant_id, kind, status,
       started_at, deadline_at, finished_at, failed_step, reason
FROM sagas
"""
SAGA = COLUMNS + "WHERE id = $1::uuid"
SAGAS = (
    COLUMNS
    + """WHERE ($1::text[] IS NULL OR status = ANY($1::text[]))
  AND ($2::boolean IS FALSE OR deadline_at < clock_timestamp())
  AND ($3::interval IS NULL OR started_at < clock_timestamp() - $3::interval)
ORDER BY started_at
"""
)
STEPS = """
SELECT position, step, status, attempts, started_at, finished_at, deadline_at, last_error
FROM saga_steps WHERE saga_id = $1::uuid ORDER BY position
"""
# Values are the JSON envelopes the outbox wrote (arcadia_contracts).
PUBLISHED = """
SELECT event_id::text AS event_id, topic, headers->>'event-type' AS event_type,
       created_at, sent_at
FROM outbox
WHERE (convert_from(value, 'UTF8')::jsonb ->> 'saga_id') = $1
   OR (convert_from(value, 'UTF8')::jsonb ->> 'correlation_id') = $1
"""
HANDLED = """
SELECT consumer, event_id::text AS event_id, event_type, topic, processed_at
FROM inbox WHERE event_id = ANY($1::uuid[])
"""


@dataclass(frozen=True)
class SagaRow:
    id: str
    deployment_id: str
    tenant_id: str
    kind: str
    status: str
    started_at: datetime
    deadline_at: datetime
    finished_at: datetime | None
    failed_step: str | None
    reason: str | None


@dataclass(frozen=True)
class Step:
    position: int
    step: str
    status: str
    attempts: int
    started_at: datetime | None
    finished_at: datetime | None
    deadline_at: datetime | None
    last_error: str | None
    duration: timedelta | None


@dataclass(frozen=True)
class Moment:
    """One thing that happened to one of the saga's events, in one service."""

    at: datetime
    service: str
    what: str  # committed (to the outbox), sent (to Kafka), handled (by a consumer's inbox)
    event_type: str | None
    event_id: str
    since_previous: timedelta | None = None


@dataclass(frozen=True)
class Timeline:
    saga: SagaRow
    steps: list[Step] = field(default_factory=list)
    moments: list[Moment] = field(default_factory=list)


async def _connect(url: str) -> asyncpg.Connection:
    return await asyncpg.connect(url, server_settings=READ_ONLY)


async def list_sagas(
    places: Places, *, status: str | None = None, older_than: timedelta | None = None
) -> list[SagaRow]:
    """`stuck`: open (running or compensating) and past its deadline."""
    statuses = list(OPEN) if status == "stuck" else ([status] if status else None)
    conn = await _connect(places.databases["api"])
    try:
        rows = await conn.fetch(SAGAS, statuses, status == "stuck", older_than)
    finally:
        await conn.close()
    return [SagaRow(**dict(r)) for r in rows]


async def _published(url: str, saga_id: str) -> list[asyncpg.Record]:
    conn = await _connect(url)
    try:
        return list(await conn.fetch(PUBLISHED, saga_id))
    finally:
        await conn.close()


async def _handled(url: str, event_ids: list[str]) -> list[asyncpg.Record]:
    conn = await _connect(url)
    try:
        return list(await conn.fetch(HANDLED, event_ids))
    finally:
        await conn.close()


async def timeline(places: Places, saga_id: str) -> Timeline | None:
    conn = await _connect(places.databases["api"])
    try:
        found = await conn.fetch(SAGA, saga_id)
        steps = await conn.fetch(STEPS, saga_id) if found else []
    finally:
        await conn.close()
    if not found:
        return None
    dbs = [places.databases[s] for s in SERVICES]
    published = await asyncio.gather(*(_published(url, saga_id) for url in dbs))
    types = {r["event_id"]: r["event_type"] for rows in published for r in rows}
    handled = await asyncio.gather(*(_handled(url, list(types)) for url in dbs))
    moments: list[Moment] = []
    for service, rows in zip(SERVICES, published, strict=True):
        for r in rows:
            moments.append(
                Moment(r["created_at"], service, "committed", r["event_type"], r["event_id"])
            )
            if r["sent_at"] is not None:
                moments.append(
                    Moment(r["sent_at"], service, "sent", r["event_type"], r["event_id"])
                )
    for service, rows in zip(SERVICES, handled, strict=True):
        for r in rows:
            moments.append(
                Moment(r["processed_at"], service, "handled", r["event_type"], r["event_id"])
            )
    moments.sort(key=lambda m: (m.at, ("committed", "sent", "handled").index(m.what)))
    spaced = [
        Moment(
            m.at,
            m.service,
            m.what,
            m.event_type,
            m.event_id,
            m.at - moments[i - 1].at if i else None,
        )
        for i, m in enumerate(moments)
    ]
    return Timeline(
        saga=SagaRow(**dict(found[0])),
        steps=[
            Step(
                **dict(s),
                duration=s["finished_at"] - s["started_at"]
                if s["finished_at"] and s["started_at"]
                else None,
            )
            for s in steps
        ],
        moments=spaced,
    )
