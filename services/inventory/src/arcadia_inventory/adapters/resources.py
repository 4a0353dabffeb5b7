"""asyncpg repository of resources, links and remembered saga aborts, on the caller's connection."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from arcadia_inventory.adapters.dns_records import DnsRecordStore
from arcadia_inventory.domain import Resource, ResourceStatus
from arcadia_platform.db import Connection

RESOURCE_FIELDS = (
    "id",
    "provider",
    "provider_id",
    "kind",
    "tenant_id",
    "deployment_id",
    "saga_id",
    "region",
    "size",
    "ip_address",
    "monthly_cost_cents",
    "currency",
    "status",
    "registered_at",
    "released_at",
)
RESOURCE_COLUMNS = ", ".join(RESOURCE_FIELDS)


def resource_from(row: asyncpg.Record | dict[str, Any]) -> Resource:
    return Resource(
        id=row["id"],
        provider=row["provider"],
        provider_id=row["provider_id"],
        kind=row["kind"],
        tenant_id=row["tenant_id"],
        deployment_id=row["deployment_id"],
        saga_id=row["saga_id"],
        region=row["region"],
        size=row["size"],
        ip_address=row["ip_address"],
        monthly_cost_cents=row["monthly_cost_cents"],
        currency=row["currency"],
        status=ResourceStatus(row["status"]),
        registered_at=row["registered_at"],
        released_at=row["released_at"],
    )


class ResourceStore:
    """What the event handlers read and write, inside their own transaction."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def lock_saga(self, saga_id: UUID) -> None:
        """Serialise this transaction with any other touching the saga (register vs. abort).

        A rebuild (tables first on its search_path, not `public`) locks in a key space of its
        own: it runs while live handlers wait on its table lock holding these locks."""
        await self._conn.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(CASE current_schema()"
            " WHEN 'public' THEN $1::text ELSE current_schema() || ':' || $1::text END, 0))",
            str(saga_id),
        )

    async def saga_aborted(self, saga_id: UUID) -> bool:
        found = await self._conn.fetchval(
            "SELECT true FROM saga_aborts WHERE saga_id = $1", saga_id
        )
        return bool(found)

    async def remember_abort(
        self,
        *,
        saga_id: UUID,
        tenant_id: str,
        deployment_id: UUID | None,
        failed_step: str,
        reason: str,
        heard_from: str,
        abort_event_id: UUID,
        at: datetime,
    ) -> bool:
        """True the first time this saga's abort is heard, whichever topic it came from."""
        inserted = await self._conn.fetchval(
            "INSERT INTO saga_aborts (saga_id, tenant_id, deployment_id, failed_step, reason,"
            " heard_from, abort_event_id, aborted_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
            " ON CONFLICT (saga_id) DO NOTHING RETURNING true",
            saga_id,
            tenant_id,
            deployment_id,
            failed_step,
            reason,
            heard_from,
            abort_event_id,
            at,
        )
        return bool(inserted)

    async def note_released_for_abort(self, saga_id: UUID, resource_id: UUID) -> None:
        await self._conn.execute(
            "UPDATE saga_aborts SET released_resource_id = $2 WHERE saga_id = $1",
            saga_id,
            resource_id,
        )

    async def by_provider_id(self, provider: str, provider_id: str) -> Resource | None:
        row = await self._conn.fetchrow(
            f"SELECT {RESOURCE_COLUMNS} FROM resources WHERE provider = $1 AND provider_id = $2",
            provider,
            provider_id,
        )
        return resource_from(row) if row else None

    async def active_held_by(self, deployment_id: UUID, kind: str) -> Resource | None:
        row = await self._conn.fetchrow(
            f"SELECT {RESOURCE_COLUMNS} FROM resources"
            " WHERE deployment_id = $1 AND kind = $2 AND status = 'active'",
            deployment_id,
            kind,
        )
        return resource_from(row) if row else None

    async def add(self, resource: Resource) -> bool:
        """Insert `resource`; False if its provider object is already registered."""
        inserted = await self._conn.fetchval(
            "INSERT INTO resources (id, provider, provider_id, kind, tenant_id, deployment_id,"
            " saga_id, region, size, ip_address, monthly_cost_cents, currency, status,"
            " registered_at)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13,"
            " coalesce($14, clock_timestamp()))"
            " ON CONFLICT (provider, provider_id) DO NOTHING RETURNING true",
            resource.id,
            resource.provider,
            resource.provider_id,
            resource.kind,
            resource.tenant_id,
            resource.deployment_id,
            resource.saga_id,
            resource.region,
            resource.size,
            resource.ip_address,
            resource.monthly_cost_cents,
            resource.currency,
            str(resource.status),
            resource.registered_at,
        )
        return bool(inserted)

    async def link(self, resource_id: UUID, deployment_id: UUID, *, at: datetime) -> None:
        await self._conn.execute(
            "INSERT INTO resource_links (resource_id, deployment_id, linked_at) VALUES ($1, $2, $3)"
            " ON CONFLICT (resource_id, deployment_id) DO UPDATE SET unlinked_at = NULL",
            resource_id,
            deployment_id,
            at,
        )

    # Every write is timed by the event that caused it (`at`, its occurred_at), never by the
    # clock: a rebuild from the topics (projection.py) then writes the same times.
    async def release_for_saga(self, saga_id: UUID, reason: str, *, at: datetime) -> list[UUID]:
        """Release and unlink the saga's active resources; returns their ids."""
        return await self._release("saga_id = $1", saga_id, reason, at)

    async def release_for_deployment(
        self, deployment_id: UUID, reason: str, *, at: datetime
    ) -> list[UUID]:
        """Release and unlink the deployment's active resources; returns their ids."""
        return await self._release("deployment_id = $1", deployment_id, reason, at)

    async def release_resource(self, resource_id: UUID, reason: str, *, at: datetime) -> list[UUID]:
        """Release and unlink one resource (a drift fix: its droplet is gone)."""
        return await self._release("id = $1", resource_id, reason, at)

    async def take_provider_value(
        self, resource_id: UUID, field: str, value: str | None, cost_cents: int | None
    ) -> None:
        """A drift fix: the droplet is what the provider says (`field` one of ip, region, size)."""
        if field not in ("ip_address", "region", "size"):
            raise ValueError(f"{field} is not a field the provider decides")
        await self._conn.execute(
            f"UPDATE resources SET {field} = $2 WHERE id = $1", resource_id, value
        )
        if field == "size":
            await self._conn.execute(
                "UPDATE resources SET monthly_cost_cents = $2 WHERE id = $1",
                resource_id,
                cost_cents,
            )

    async def _release(self, where: str, key: UUID, reason: str, at: datetime) -> list[UUID]:
        rows = await self._conn.fetch(
            "UPDATE resources SET status = 'released', released_at = $3,"
            f" release_reason = $2 WHERE {where} AND status = 'active' RETURNING id",
            key,
            reason,
            at,
        )
        released = sorted(row["id"] for row in rows)
        # The saga's or deployment's DNS records go with it (no event: not a saga step's).
        await DnsRecordStore(self._conn).release(where, key, reason=reason, at=at)
        if released:
            await self._conn.execute(
                "UPDATE resource_links SET unlinked_at = $2"
                " WHERE resource_id = ANY($1::uuid[]) AND unlinked_at IS NULL",
                released,
                at,
            )
        return released
