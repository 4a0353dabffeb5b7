"""Each service's outbox as an operator sees it: the unsent backlog, its oldest row's age, and the
rows the relay parked (read-only, straight from the service's database)."""

from __future__ import annotations

import asyncio

import asyncpg

from arcadia_ops.collect import READ_ONLY
from arcadia_ops.places import SERVICES, Places
from arcadia_platform.audit.report import Backlog, Parked

__all__ = ["Backlog", "Parked", "backlogs", "parked_rows"]

BACKLOG = """
SELECT count(*) FILTER (WHERE parked_at IS NULL) AS unsent,
       min(created_at) FILTER (WHERE parked_at IS NULL) AS oldest,
       count(*) FILTER (WHERE parked_at IS NOT NULL) AS parked,
       clock_timestamp() AS now
FROM outbox WHERE sent_at IS NULL
"""
PARKED = """
SELECT id, topic, encode(key, 'escape') AS key, headers->>'event-type' AS event_type,
       created_at, parked_at, park_reason, park_count
FROM outbox WHERE sent_at IS NULL AND parked_at IS NOT NULL ORDER BY id
"""


async def _fetch(url: str, sql: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(url, server_settings=READ_ONLY)
    try:
        return list(await conn.fetch(sql))
    finally:
        await conn.close()


async def backlogs(places: Places) -> list[Backlog]:
    results = await asyncio.gather(*(_fetch(places.databases[s], BACKLOG) for s in SERVICES))
    found = []
    for service, (row,) in zip(SERVICES, results, strict=True):
        age = row["now"] - row["oldest"] if row["oldest"] is not None else None
        found.append(Backlog(service, row["unsent"], age, row["parked"]))
    return found


async def parked_rows(places: Places, service: str | None = None) -> list[Parked]:
    chosen = [service] if service else list(SERVICES)
    results = await asyncio.gather(*(_fetch(places.databases[s], PARKED) for s in chosen))
    return [
        Parked(service=s, **dict(row))
        for s, rows in zip(chosen, results, strict=True)
        for row in rows
    ]
