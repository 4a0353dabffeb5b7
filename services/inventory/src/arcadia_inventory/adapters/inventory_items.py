"""The inventory as tenants and operators list it: droplets and DNS records, one keyset order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final
from uuid import UUID

import asyncpg
import msgspec

from arcadia_inventory.domain import CURRENCY, DNS_RECORD_CENTS

# Every resource, as one row shape: a DNS record's `ip_address` is its content (an A record),
# it has no region or size, and DNS hosting costs nothing.
ITEMS: Final = f"""
SELECT id, kind, provider, provider_id, region, size, ip_address, NULL::text AS fqdn,
       monthly_cost_cents, currency, status, tenant_id, deployment_id, saga_id,
       registered_at, released_at
  FROM resources
UNION ALL
SELECT id, 'dns_record', provider, record_id, NULL, NULL, content, fqdn,
       {DNS_RECORD_CENTS}, '{CURRENCY}', status, tenant_id, deployment_id, saga_id,
       registered_at, released_at
  FROM dns_records
"""


class Item(msgspec.Struct, frozen=True, kw_only=True):
    """One row of `ITEMS`; `priced` is false when the size is not in the price table (the cost
    is null then, never a guess)."""

    id: UUID
    kind: str
    provider: str
    provider_id: str
    region: str | None
    size: str | None
    ip_address: str | None
    fqdn: str | None
    monthly_cost_cents: int | None
    priced: bool
    currency: str
    status: str
    tenant_id: str
    deployment_id: UUID
    saga_id: UUID | None
    registered_at: datetime
    released_at: datetime | None


@dataclass(frozen=True, kw_only=True)
class ItemFilter:
    tenant_id: str | None = None
    deployment_id: UUID | None = None
    kind: str | None = None
    status: str | None = None


async def items_page(
    pool: asyncpg.Pool, where: ItemFilter, *, after: tuple[datetime, UUID] | None, limit: int
) -> list[Item]:
    """Oldest registration first, after the keyset `after`; `limit` rows at most."""
    clauses: list[str] = []
    args: list[object] = []
    for column, value in (
        ("tenant_id", where.tenant_id),
        ("deployment_id", where.deployment_id),
        ("kind", where.kind),
        ("status", where.status),
    ):
        if value is not None:
            args.append(value)
            clauses.append(f"{column} = ${len(args)}")
    if after is not None:
        args.extend(after)
        clauses.append(f"(registered_at, id) > (${len(args) - 1}, ${len(args)})")
    sql = (
        f"SELECT * FROM ({ITEMS}) AS items WHERE {' AND '.join(clauses) or 'true'}"
        f" ORDER BY registered_at, id LIMIT ${len(args) + 1}"
    )
    async with pool.acquire() as conn:
        rows = await conn.fetch(sql, *args, limit)
    return [Item(priced=row["monthly_cost_cents"] is not None, **dict(row)) for row in rows]
