"""Read side of the inventory for its HTTP API: listings, one resource, costs, drift inputs."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import asyncpg

from arcadia_inventory.adapters.resources import RESOURCE_COLUMNS, RESOURCE_FIELDS, resource_from
from arcadia_inventory.domain import DROPLET, PROVIDER, Resource, ResourceStatus

LINKED = (
    f"SELECT {', '.join(f'r.{name}' for name in RESOURCE_FIELDS)},"
    " l.deployment_id AS linked_deployment_id FROM resources r"
    " LEFT JOIN resource_links l ON l.resource_id = r.id AND l.unlinked_at IS NULL"
)


@dataclass(frozen=True)
class LinkedResource:
    resource: Resource
    linked_deployment_id: UUID | None


@dataclass(frozen=True)
class CostLine:
    tenant_id: str
    deployment_id: UUID | None
    currency: str
    monthly_cost_cents: int
    resources: int


@dataclass(frozen=True)
class ResourceFilter:
    tenant_id: str | None = None
    deployment_id: UUID | None = None
    status: ResourceStatus | None = None


class InventoryQueries:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def find(self, where: ResourceFilter, *, limit: int, offset: int) -> list[LinkedResource]:
        conditions, args = _conditions(where)
        sql = (
            f"{LINKED} WHERE {conditions} ORDER BY r.registered_at, r.id"
            f" LIMIT ${len(args) + 1} OFFSET ${len(args) + 2}"
        )
        async with self._pool.acquire() as conn:
            rows = await conn.fetch(sql, *args, limit, offset)
        return [LinkedResource(resource_from(row), row["linked_deployment_id"]) for row in rows]

    async def get(self, resource_id: UUID) -> LinkedResource | None:
        async with self._pool.acquire() as conn:
            row = await conn.fetchrow(f"{LINKED} WHERE r.id = $1", resource_id)
        return LinkedResource(resource_from(row), row["linked_deployment_id"]) if row else None

    async def costs(self, tenant_id: str | None) -> tuple[list[CostLine], list[CostLine]]:
        """Monthly cost of the active resources, per deployment and per tenant."""
        where = "status = 'active'" + (" AND tenant_id = $1" if tenant_id is not None else "")
        args = [tenant_id] if tenant_id is not None else []
        async with self._pool.acquire() as conn:
            per_deployment = await conn.fetch(
                "SELECT tenant_id, deployment_id, currency, sum(monthly_cost_cents) AS cents,"
                f" count(*) AS n FROM resources WHERE {where}"
                " GROUP BY tenant_id, deployment_id, currency ORDER BY tenant_id, deployment_id",
                *args,
            )
            per_tenant = await conn.fetch(
                "SELECT tenant_id, currency, sum(monthly_cost_cents) AS cents, count(*) AS n"
                f" FROM resources WHERE {where} GROUP BY tenant_id, currency ORDER BY tenant_id",
                *args,
            )
        return (
            [_cost(row, row["deployment_id"]) for row in per_deployment],
            [_cost(row, None) for row in per_tenant],
        )

    async def droplets(self) -> tuple[list[Resource], dict[str, ResourceStatus]]:
        """The active droplet resources, and the status of every inactive one by provider id."""
        async with self._pool.acquire() as conn:
            rows = await conn.fetch(
                f"SELECT {RESOURCE_COLUMNS} FROM resources WHERE provider = $1 AND kind = $2",
                PROVIDER,
                DROPLET,
            )
        resources = [resource_from(row) for row in rows]
        active = [r for r in resources if r.status is ResourceStatus.ACTIVE]
        inactive: dict[str, ResourceStatus] = {
            r.provider_id: r.status for r in resources if r.status is not ResourceStatus.ACTIVE
        }
        return active, inactive


def _conditions(where: ResourceFilter) -> tuple[str, list[object]]:
    clauses: list[str] = []
    args: list[object] = []
    for column, value in (
        ("tenant_id", where.tenant_id),
        ("deployment_id", where.deployment_id),
        ("status", str(where.status) if where.status else None),
    ):
        if value is not None:
            args.append(value)
            clauses.append(f"r.{column} = ${len(args)}")
    return " AND ".join(clauses) or "true", args


def _cost(row: asyncpg.Record, deployment_id: UUID | None) -> CostLine:
    return CostLine(
        tenant_id=row["tenant_id"],
        deployment_id=deployment_id,
        currency=row["currency"],
        monthly_cost_cents=int(row["cents"]),
        resources=int(row["n"]),
    )
