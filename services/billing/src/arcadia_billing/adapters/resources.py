"""Inventory's resources and their monthly cost, per deployment: the cost side of margin."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from arcadia_billing.domain.money import Money
from arcadia_platform.db import Connection


class ResourceCosts:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def register(
        self,
        resource_id: str,
        tenant_id: str,
        deployment_id: UUID | None,
        provider_id: str,
        kind: str,
        monthly_cost: Money,
        at: datetime,
    ) -> None:
        await self._conn.execute(
            "INSERT INTO resources (resource_id, tenant_id, deployment_id, provider_id, kind,"
            " monthly_cost_cents, currency, registered_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
            " ON CONFLICT (resource_id) DO NOTHING",
            resource_id,
            tenant_id,
            deployment_id,
            provider_id,
            kind,
            monthly_cost.cents,
            monthly_cost.currency,
            at,
        )

    async def release(self, resource_id: str, tenant_id: str, at: datetime) -> bool:
        """False when billing never heard of the resource (or it belongs to another tenant)."""
        status = await self._conn.execute(
            "UPDATE resources SET released_at = COALESCE(released_at, $3)"
            " WHERE resource_id = $1 AND tenant_id = $2",
            resource_id,
            tenant_id,
            at,
        )
        return status != "UPDATE 0"
