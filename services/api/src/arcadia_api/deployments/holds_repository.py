"""The system's holds on deployments and the tenants' suspension, in the api's database."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from arcadia_api.deployments.domain import DeploymentState
from arcadia_platform.db import Connection

# What a tenant's suspension moves: everything that runs or could (provisioning is the saga's).
HOLDABLE = ["trial", "active", "past_due", "paused", "suspended"]


class Holds:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def take(self, deployment_id: UUID, kind: str, previous: DeploymentState) -> bool:
        """False when the deployment is already held for that reason."""
        taken = await self._conn.fetchval(
            "INSERT INTO system_holds (deployment_id, kind, previous_state) VALUES ($1, $2, $3)"
            " ON CONFLICT DO NOTHING RETURNING true",
            deployment_id,
            kind,
            str(previous),
        )
        return bool(taken)

    async def release(self, deployment_id: UUID, kind: str) -> DeploymentState | None:
        """End the hold; the state it was taken from, or None when there was none."""
        previous = await self._conn.fetchval(
            "DELETE FROM system_holds WHERE deployment_id = $1 AND kind = $2"
            " RETURNING previous_state",
            deployment_id,
            kind,
        )
        return None if previous is None else DeploymentState(previous)

    async def held(self, deployment_id: UUID, kind: str) -> bool:
        return bool(
            await self._conn.fetchval(
                "SELECT true FROM system_holds WHERE deployment_id = $1 AND kind = $2",
                deployment_id,
                kind,
            )
        )

    async def give_back(self, deployment_id: UUID, kind: str, state: DeploymentState) -> None:
        """What the hold will restore, changed (a debt paid while the tenant is suspended)."""
        await self._conn.execute(
            "UPDATE system_holds SET previous_state = $3 WHERE deployment_id = $1 AND kind = $2",
            deployment_id,
            kind,
            str(state),
        )

    async def holdable_of_tenant(self, tenant_id: str) -> list[UUID]:
        rows = await self._conn.fetch(
            "SELECT id FROM deployments WHERE tenant_id = $1 AND state = ANY($2::text[])"
            " ORDER BY id FOR UPDATE",
            tenant_id,
            HOLDABLE,
        )
        return [row["id"] for row in rows]

    async def held_of_tenant(self, tenant_id: str, kind: str) -> list[UUID]:
        rows = await self._conn.fetch(
            "SELECT h.deployment_id FROM system_holds h JOIN deployments d"
            " ON d.id = h.deployment_id WHERE d.tenant_id = $1 AND h.kind = $2"
            " ORDER BY h.deployment_id",
            tenant_id,
            kind,
        )
        return [row["deployment_id"] for row in rows]

    async def record_tenant(self, tenant_id: str, suspended: bool, at: datetime) -> bool:
        """False when a newer word on the tenant is already known (this one is stale)."""
        newest = await self._conn.fetchval(
            "INSERT INTO tenant_standing (tenant_id, suspended, changed_at) VALUES ($1, $2, $3)"
            " ON CONFLICT (tenant_id) DO UPDATE SET suspended = EXCLUDED.suspended,"
            " changed_at = EXCLUDED.changed_at"
            " WHERE tenant_standing.changed_at <= EXCLUDED.changed_at RETURNING true",
            tenant_id,
            suspended,
            at,
        )
        return bool(newest)
