"""Deployments and their events in the api's PostgreSQL database (plain SQL over asyncpg)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final
from uuid import UUID

import asyncpg
import msgspec

from arcadia_api.deployments.domain import (
    Deployment,
    DeploymentEvent,
    DeploymentNotFoundError,
    DeploymentState,
    LlmMode,
)
from arcadia_platform.db import Connection

# The two-key advisory lock space does not overlap the one-key space the idempotency keys use.
QUOTA_LOCK_CLASS: Final = 0x0A7A

COLUMNS: Final = (
    "id, tenant_id, slug, display_name, region, state, llm_mode, billing_action_suspended,"
    " template_code, template_version, created_at, updated_at"
)


def _deployment(row: asyncpg.Record) -> Deployment:
    return msgspec.convert(dict(row), Deployment)


class PostgresDeployments:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def add(
        self,
        *,
        deployment_id: UUID,
        tenant_id: str,
        slug: str,
        display_name: str,
        region: str,
        state: DeploymentState,
        llm_mode: LlmMode,
        template_code: str | None,
        template_version: str | None,
    ) -> Deployment | None:
        """The new deployment, or None when the tenant already has one with this slug."""
        # One clock reading for both columns: their two clock_timestamp() defaults are read
        # separately and can differ by a microsecond, yet a new deployment was never updated.
        row = await self._conn.fetchrow(
            "WITH clock AS (SELECT clock_timestamp() AS stamp)"
            " INSERT INTO deployments (id, tenant_id, slug, display_name, region, state, llm_mode,"
            " template_code, template_version, created_at, updated_at)"
            " SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, stamp, stamp FROM clock"
            f" ON CONFLICT (tenant_id, slug) DO NOTHING RETURNING {COLUMNS}",
            deployment_id,
            tenant_id,
            slug,
            display_name,
            region,
            str(state),
            str(llm_mode),
            template_code,
            template_version,
        )
        return None if row is None else _deployment(row)

    async def get(self, deployment_id: UUID, *, for_update: bool = False) -> Deployment | None:
        lock = " FOR UPDATE" if for_update else ""
        row = await self._conn.fetchrow(
            f"SELECT {COLUMNS} FROM deployments WHERE id = $1{lock}", deployment_id
        )
        return None if row is None else _deployment(row)

    async def set_state(self, deployment_id: UUID, state: DeploymentState) -> Deployment:
        row = await self._conn.fetchrow(
            "UPDATE deployments SET state = $2, updated_at = clock_timestamp()"
            f" WHERE id = $1 RETURNING {COLUMNS}",
            deployment_id,
            str(state),
        )
        if row is None:
            raise DeploymentNotFoundError(deployment_id)
        return _deployment(row)

    async def set_billing_action_suspended(self, deployment_id: UUID, value: bool) -> Deployment:
        row = await self._conn.fetchrow(
            "UPDATE deployments SET billing_action_suspended = $2, updated_at = clock_timestamp()"
            f" WHERE id = $1 RETURNING {COLUMNS}",
            deployment_id,
            value,
        )
        if row is None:
            raise DeploymentNotFoundError(deployment_id)
        return _deployment(row)

    async def add_event(
        self,
        deployment_id: UUID,
        *,
        from_state: DeploymentState | None,
        to_state: DeploymentState,
        actor: str,
        reason: str | None,
        event_id: UUID,
    ) -> None:
        await self._conn.execute(
            "INSERT INTO deployment_events (deployment_id, from_state, to_state, actor, reason,"
            " event_id) VALUES ($1, $2, $3, $4, $5, $6)",
            deployment_id,
            None if from_state is None else str(from_state),
            str(to_state),
            actor,
            reason,
            event_id,
        )

    async def count_live(self, tenant_id: str) -> int:
        """The tenant's deployments that are neither cancelled nor archived. Holds a per-tenant
        lock to the end of the transaction, so two creations cannot both take the last slot."""
        await self._conn.execute(
            "SELECT pg_advisory_xact_lock($1, hashtext($2))", QUOTA_LOCK_CLASS, tenant_id
        )
        live: int = await self._conn.fetchval(
            "SELECT count(*) FROM deployments"
            " WHERE tenant_id = $1 AND state NOT IN ('cancelled', 'archived')",
            tenant_id,
        )
        return live

    async def latest_events(
        self, deployment_id: UUID, limit: int
    ) -> tuple[list[DeploymentEvent], int]:
        """The last `limit` events, oldest first, and how many there are in all."""
        rows = await self._conn.fetch(
            "SELECT from_state, to_state, actor, reason, at, count(*) OVER () AS total"
            " FROM deployment_events WHERE deployment_id = $1 ORDER BY id DESC LIMIT $2",
            deployment_id,
            limit,
        )
        total = rows[0]["total"] if rows else 0
        events = [event_of(row) for row in reversed(rows)]
        return events, total

    async def events_page(
        self, deployment_id: UUID, *, after_id: int, limit: int
    ) -> list[tuple[int, DeploymentEvent]]:
        """Events oldest first, after the event id `after_id` (0: from the start)."""
        rows = await self._conn.fetch(
            "SELECT id, from_state, to_state, actor, reason, at FROM deployment_events"
            " WHERE deployment_id = $1 AND id > $2 ORDER BY id LIMIT $3",
            deployment_id,
            after_id,
            limit,
        )
        return [(row["id"], event_of(row)) for row in rows]

    async def page(
        self,
        *,
        tenant_id: str | None,
        state: DeploymentState | None,
        after: tuple[datetime, UUID] | None,
        limit: int,
    ) -> list[Deployment]:
        """Newest first; `after` is the (created_at, id) of the last row of the previous page."""
        after_at, after_id = after if after is not None else (None, None)
        rows = await self._conn.fetch(
            f"SELECT {COLUMNS} FROM deployments"
            " WHERE ($1::text IS NULL OR tenant_id = $1)"
            " AND ($2::text IS NULL OR state = $2)"
            " AND ($3::timestamptz IS NULL OR (created_at, id) < ($3, $4::uuid))"
            " ORDER BY created_at DESC, id DESC LIMIT $5",
            tenant_id,
            None if state is None else str(state),
            after_at,
            after_id,
            limit,
        )
        return [_deployment(row) for row in rows]

    async def counts_by_tenant_and_state(
        self, *, after: str | None, tenants: int
    ) -> list[tuple[str, str, int]]:
        """Deployment counts per state of the first `tenants` tenants after `after` (by id)."""
        rows = await self._conn.fetch(
            "WITH page AS (SELECT DISTINCT tenant_id FROM deployments"
            " WHERE $1::text IS NULL OR tenant_id > $1 ORDER BY tenant_id LIMIT $2)"
            " SELECT tenant_id, state, count(*) AS n FROM deployments JOIN page USING (tenant_id)"
            " GROUP BY tenant_id, state ORDER BY tenant_id, state",
            after,
            tenants,
        )
        return [(row["tenant_id"], row["state"], row["n"]) for row in rows]


def event_of(row: Mapping[str, Any] | asyncpg.Record) -> DeploymentEvent:
    fields = ("from_state", "to_state", "actor", "reason", "at")
    return msgspec.convert({name: row[name] for name in fields}, DeploymentEvent)
