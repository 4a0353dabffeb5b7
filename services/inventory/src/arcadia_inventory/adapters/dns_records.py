"""asyncpg repository of the DNS records the inventory holds (fed by DnsPointed/DnsReverted)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final
from uuid import UUID

import asyncpg

from arcadia_inventory.domain import PROVIDER, ResourceStatus, dns_record_id_of
from arcadia_platform.db import Connection

DNS_FIELDS: Final = (
    "id",
    "provider",
    "record_id",
    "domain",
    "name",
    "fqdn",
    "type",
    "content",
    "tenant_id",
    "deployment_id",
    "saga_id",
    "status",
    "registered_at",
    "released_at",
)
DNS_COLUMNS: Final = ", ".join(DNS_FIELDS)


@dataclass(frozen=True, kw_only=True)
class DnsRecord:
    """An A record a saga pointed at its droplet: `name` relative to `domain`."""

    id: UUID
    provider: str
    record_id: str
    domain: str
    name: str
    fqdn: str
    type: str
    content: str
    tenant_id: str
    deployment_id: UUID
    saga_id: UUID | None
    status: ResourceStatus
    registered_at: datetime | None = None
    released_at: datetime | None = None


def dns_record_from(row: asyncpg.Record | dict[str, Any]) -> DnsRecord:
    values = {name: row[name] for name in DNS_FIELDS}
    values["status"] = ResourceStatus(values["status"])
    return DnsRecord(**values)


def split_fqdn(fqdn: str, domain: str) -> tuple[str, str]:
    """(name, domain) of `fqdn`: relative to `domain` when under it, else to its parent."""
    if fqdn.endswith(f".{domain}"):
        return fqdn[: -len(domain) - 1], domain
    name, _, parent = fqdn.partition(".")
    return name, parent


class DnsRecordStore:
    """What the handlers and drift fixes write, inside the caller's transaction."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def add(
        self,
        *,
        record_id: str,
        fqdn: str,
        domain: str,
        content: str,
        tenant_id: str,
        deployment_id: UUID,
        saga_id: UUID,
        at: datetime,
    ) -> UUID | None:
        """Register the record (taking it over from an older active holder); None: known. Its
        id is derived from the saga and record, its time is `at` (the DnsPointed's)."""
        await self._conn.execute(
            "UPDATE dns_records SET status = 'released', released_at = $4,"
            " release_reason = 'record re-pointed by a later saga'"
            " WHERE provider = $1 AND record_id = $2 AND status = 'active'"
            " AND saga_id IS DISTINCT FROM $3",
            PROVIDER,
            record_id,
            saga_id,
            at,
        )
        name, zone = split_fqdn(fqdn, domain)
        new_id = dns_record_id_of(saga_id, record_id)
        inserted = await self._conn.fetchval(
            "INSERT INTO dns_records (id, provider, record_id, domain, name, fqdn, type, content,"
            " tenant_id, deployment_id, saga_id, status, registered_at)"
            " VALUES ($1, $2, $3, $4, $5, $6, 'A', $7, $8, $9, $10, 'active', $11)"
            " ON CONFLICT (saga_id, record_id) DO NOTHING RETURNING id",
            new_id,
            PROVIDER,
            record_id,
            zone,
            name,
            fqdn,
            content,
            tenant_id,
            deployment_id,
            saga_id,
            at,
        )
        return new_id if inserted else None

    async def release(self, where: str, *args: object, reason: str, at: datetime) -> list[UUID]:
        """Release the active records matching `where` ($1.. are `args`) at `at` (the causing
        event's time); returns their ids."""
        rows = await self._conn.fetch(
            "UPDATE dns_records SET status = 'released',"
            f" released_at = ${len(args) + 2}, release_reason = ${len(args) + 1}"
            f" WHERE {where} AND status = 'active' RETURNING id",
            *args,
            reason,
            at,
        )
        return sorted(row["id"] for row in rows)

    async def domain_of(self, record_uuid: UUID) -> str | None:
        domain: str | None = await self._conn.fetchval(
            "SELECT domain FROM dns_records WHERE id = $1", record_uuid
        )
        return domain

    async def saga_droplet_active(self, saga_id: UUID) -> bool:
        found = await self._conn.fetchval(
            "SELECT true FROM resources WHERE saga_id = $1 AND kind = 'droplet'"
            " AND status = 'active'",
            saga_id,
        )
        return bool(found)
