"""asyncpg repository of drift findings and scans (all the drift SQL)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Final
from uuid import UUID, uuid4

import asyncpg
import msgspec

from arcadia_inventory.findings import Finding
from arcadia_platform.db import Connection

FINDING_FIELDS: Final = (
    "id, kind, subject_kind, subject, field, expected, actual, resource_id, tenant_id,"
    " deployment_id, detail, status, first_seen, last_seen, closed_at,"
    " close_reason"
)
SCAN_FIELDS: Final = (
    "id, trigger, status, requested_at, started_at, finished_at, droplets_seen, records_seen,"
    " found, opened, closed, error"
)
# A scan left `running` by a process that died is given up after this long.
STALE_SCAN_S: Final = 3600


class StoredFinding(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    kind: str
    subject_kind: str
    subject: str
    field: str | None
    expected: str | None
    actual: str | None
    resource_id: UUID | None
    tenant_id: str | None
    deployment_id: UUID | None
    detail: dict[str, Any]
    status: str
    first_seen: datetime
    last_seen: datetime
    closed_at: datetime | None
    close_reason: str | None


class Scan(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    trigger: str
    status: str
    requested_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    droplets_seen: int | None
    records_seen: int | None
    found: int | None
    opened: int | None
    closed: int | None
    error: str | None


def finding_from(row: asyncpg.Record) -> StoredFinding:
    values = dict(row)
    values["detail"] = values["detail"] or {}
    return StoredFinding(**values)


class DriftStore:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def request_scan(self, trigger: str) -> Scan:
        """A new scan, or the one already waiting to start (asking twice does not queue two)."""
        waiting = await self._conn.fetchrow(
            f"SELECT {SCAN_FIELDS} FROM drift_scans WHERE status = 'requested'"
            " ORDER BY requested_at LIMIT 1"
        )
        if waiting is not None:
            return Scan(**dict(waiting))
        row = await self._conn.fetchrow(
            "INSERT INTO drift_scans (id, trigger, status) VALUES ($1, $2, 'requested')"
            f" RETURNING {SCAN_FIELDS}",
            uuid4(),
            trigger,
        )
        assert row is not None
        return Scan(**dict(row))

    async def schedule_due(self, interval_s: float) -> bool:
        """Request a scheduled scan when none was asked for in the last `interval_s` seconds."""
        await self._conn.execute("SELECT pg_advisory_xact_lock(hashtextextended('drift', 1))")
        due = await self._conn.fetchval(
            "SELECT coalesce(max(requested_at), '-infinity') <= clock_timestamp() - $1::interval"
            " FROM drift_scans",
            timedelta(seconds=interval_s),
        )
        if due:
            await self.request_scan("schedule")
        return bool(due)

    async def claim_scan(self) -> UUID | None:
        await self._conn.execute(
            "UPDATE drift_scans SET status = 'failed', finished_at = clock_timestamp(),"
            " error = 'abandoned (its process stopped)' WHERE status = 'running'"
            f" AND started_at < clock_timestamp() - interval '{STALE_SCAN_S} seconds'"
        )
        scan_id: UUID | None = await self._conn.fetchval(
            "UPDATE drift_scans SET status = 'running', started_at = clock_timestamp()"
            " WHERE id = (SELECT id FROM drift_scans WHERE status = 'requested'"
            " ORDER BY requested_at LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id"
        )
        return scan_id

    async def finish_scan(self, scan_id: UUID, **counts: int) -> None:
        await self._conn.execute(
            "UPDATE drift_scans SET status = 'done', finished_at = clock_timestamp(),"
            " droplets_seen = $2, records_seen = $3, found = $4, opened = $5, closed = $6"
            " WHERE id = $1",
            scan_id,
            counts["droplets_seen"],
            counts["records_seen"],
            counts["found"],
            counts["opened"],
            counts["closed"],
        )

    async def fail_scan(self, scan_id: UUID, error: str) -> None:
        await self._conn.execute(
            "UPDATE drift_scans SET status = 'failed', finished_at = clock_timestamp(),"
            " error = $2 WHERE id = $1",
            scan_id,
            error[:2000],
        )

    async def scan(self, scan_id: UUID) -> Scan | None:
        row = await self._conn.fetchrow(
            f"SELECT {SCAN_FIELDS} FROM drift_scans WHERE id = $1", scan_id
        )
        return Scan(**dict(row)) if row else None

    async def record(self, finding: Finding, seen: datetime) -> tuple[UUID, bool]:
        """Open the finding, or see an open one again; (its id, whether it is new)."""
        row = await self._conn.fetchrow(
            "INSERT INTO drift_findings (id, key, kind, subject_kind, subject, field, expected,"
            " actual, resource_id, tenant_id, deployment_id, detail, status, first_seen,"
            " last_seen) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb,"
            " 'open', $13, $13) ON CONFLICT (key) WHERE status = 'open' DO UPDATE SET"
            " last_seen = EXCLUDED.last_seen, actual = EXCLUDED.actual,"
            " detail = EXCLUDED.detail RETURNING id, (xmax = 0) AS inserted",
            uuid4(),
            finding.key,
            str(finding.kind),
            finding.subject_kind,
            finding.subject,
            finding.field,
            finding.expected,
            finding.actual,
            finding.resource_id,
            finding.tenant_id,
            finding.deployment_id,
            finding.detail or {},
            seen,
        )
        assert row is not None
        return row["id"], bool(row["inserted"])

    async def fixed_since(self, since: datetime) -> set[str]:
        """Keys an operator fixed after `since`: a scan that read the world before the fix must
        not open them again."""
        rows = await self._conn.fetch(
            "SELECT key FROM drift_findings WHERE status = 'closed' AND closed_at >= $1"
            " AND close_reason LIKE 'fixed:%'",
            since,
        )
        return {row["key"] for row in rows}

    async def close_gone(self, still: list[str], closed_at: datetime) -> int:
        """Close the open findings a scan no longer found (kept, never deleted)."""
        rows = await self._conn.fetch(
            "UPDATE drift_findings SET status = 'closed', closed_at = $2,"
            " close_reason = 'no longer found by a scan'"
            " WHERE status = 'open' AND NOT (key = ANY($1::text[])) RETURNING id",
            still,
            closed_at,
        )
        return len(rows)

    async def close(self, finding_id: UUID, reason: str) -> bool:
        done = await self._conn.fetchval(
            "UPDATE drift_findings SET status = 'closed', closed_at = clock_timestamp(),"
            " close_reason = $2 WHERE id = $1 AND status = 'open' RETURNING true",
            finding_id,
            reason,
        )
        return bool(done)

    async def get(self, finding_id: UUID, *, lock: bool = False) -> StoredFinding | None:
        row = await self._conn.fetchrow(
            f"SELECT {FINDING_FIELDS} FROM drift_findings WHERE id = $1"
            + (" FOR UPDATE" if lock else ""),
            finding_id,
        )
        return finding_from(row) if row else None

    async def page(
        self, *, status: str | None, after: tuple[datetime, UUID] | None, limit: int
    ) -> list[StoredFinding]:
        """Oldest first (first_seen, id), after the keyset `after`."""
        args: list[object] = []
        clauses = []
        if status is not None:
            args.append(status)
            clauses.append(f"status = ${len(args)}")
        if after is not None:
            args.extend(after)
            clauses.append(f"(first_seen, id) > (${len(args) - 1}, ${len(args)})")
        where = " AND ".join(clauses) or "true"
        rows = await self._conn.fetch(
            f"SELECT {FINDING_FIELDS} FROM drift_findings WHERE {where}"
            f" ORDER BY first_seen, id LIMIT ${len(args) + 1}",
            *args,
            limit,
        )
        return [finding_from(row) for row in rows]
