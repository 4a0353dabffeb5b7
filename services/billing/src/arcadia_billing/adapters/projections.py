"""Billing's memory of the gateway's deployments and the tenants service's standings."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg

from arcadia_platform.db import Connection


class DeploymentProjection:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def _lock(self, deployment_id: UUID, tenant_id: str) -> asyncpg.Record:
        await self._conn.execute(
            "INSERT INTO deployments (deployment_id, tenant_id) VALUES ($1, $2)"
            " ON CONFLICT DO NOTHING",
            deployment_id,
            tenant_id,
        )
        row = await self._conn.fetchrow(
            "SELECT state_at, override_at FROM deployments WHERE deployment_id = $1 FOR UPDATE",
            deployment_id,
        )
        assert row is not None
        return row

    async def record_state(
        self, deployment_id: UUID, tenant_id: str, state: str, suspended: bool, at: datetime
    ) -> bool:
        """False when a newer state is already known (a stale fact, sent again)."""
        row = await self._lock(deployment_id, tenant_id)
        if row["state_at"] is not None and row["state_at"] > at:
            return False
        await self._conn.execute(
            "UPDATE deployments SET state = $2, state_at = $3 WHERE deployment_id = $1",
            deployment_id,
            state,
            at,
        )
        if row["override_at"] is None or row["override_at"] <= at:
            await self._set_override(deployment_id, suspended, at)
        return True

    async def record_override(
        self, deployment_id: UUID, tenant_id: str, suspended: bool, at: datetime
    ) -> bool:
        row = await self._lock(deployment_id, tenant_id)
        if row["override_at"] is not None and row["override_at"] > at:
            return False
        await self._set_override(deployment_id, suspended, at)
        return True

    async def _set_override(self, deployment_id: UUID, suspended: bool, at: datetime) -> None:
        await self._conn.execute(
            "UPDATE deployments SET billing_action_suspended = $2, override_at = $3"
            " WHERE deployment_id = $1",
            deployment_id,
            suspended,
            at,
        )

    async def locked_state(self, deployment_id: UUID, tenant_id: str) -> str | None:
        """The deployment's last known state, its row locked until commit: a state change
        heard meanwhile waits, so a subscription made now is seen (and followed) by it."""
        await self._lock(deployment_id, tenant_id)
        state: str | None = await self._conn.fetchval(
            "SELECT state FROM deployments WHERE deployment_id = $1", deployment_id
        )
        return state

    async def billing_action_suspended(self, deployment_id: UUID) -> bool:
        value = await self._conn.fetchval(
            "SELECT billing_action_suspended FROM deployments WHERE deployment_id = $1",
            deployment_id,
        )
        return bool(value)


class TenantProjection:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def record_standing(self, tenant_id: str, standing: str, at: datetime) -> None:
        """Last writer wins by the fact's time: a late, older event does not undo a newer one."""
        await self._conn.execute(
            "INSERT INTO tenants (tenant_id, standing, changed_at) VALUES ($1, $2, $3)"
            " ON CONFLICT (tenant_id) DO UPDATE SET standing = EXCLUDED.standing,"
            " changed_at = EXCLUDED.changed_at WHERE tenants.changed_at <= EXCLUDED.changed_at",
            tenant_id,
            standing,
            at,
        )

    async def in_good_standing(self, tenant_id: str) -> bool:
        """A tenant billing has heard nothing about is in good standing."""
        standing = await self._conn.fetchval(
            "SELECT standing FROM tenants WHERE tenant_id = $1", tenant_id
        )
        return bool(standing != "bad")
