"""What a drift scan compares the provider with: the inventory as it stood when the scan began."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from arcadia_inventory.adapters.resources import RESOURCE_COLUMNS, resource_from
from arcadia_inventory.domain import DROPLET, PROVIDER, Resource, ResourceStatus
from arcadia_inventory.findings import HeldRecord
from arcadia_platform.db import Connection


@dataclass(frozen=True)
class Held:
    droplets: list[Resource]
    released: dict[str, ResourceStatus]
    recently_released: set[str]
    records: list[HeldRecord]


async def held_before(conn: Connection, before: datetime, grace: timedelta) -> Held:
    """Active droplets and records registered before `before` (the cloud was read from then on:
    anything newer may be missing from the listing without being gone), the status of the other
    droplets, and those released less than `grace` ago."""
    rows = await conn.fetch(
        f"SELECT {RESOURCE_COLUMNS} FROM resources WHERE provider = $1 AND kind = $2",
        PROVIDER,
        DROPLET,
    )
    resources = [resource_from(row) for row in rows]
    active = [
        r
        for r in resources
        if r.status is ResourceStatus.ACTIVE
        and (r.registered_at is None or r.registered_at < before)
    ]
    released: dict[str, ResourceStatus] = {
        r.provider_id: r.status for r in resources if r.status is not ResourceStatus.ACTIVE
    }
    recent = {
        r.provider_id
        for r in resources
        if r.status is not ResourceStatus.ACTIVE
        and r.released_at is not None
        and r.released_at > before - grace
    }
    # Registered during the scan: its droplet may have been made after the listing passed it.
    recent |= {r.provider_id for r in resources if r.registered_at and r.registered_at >= before}
    record_rows = await conn.fetch(
        "SELECT id, record_id, fqdn, content, tenant_id, deployment_id FROM dns_records"
        " WHERE status = 'active' AND registered_at < $1",
        before,
    )
    records = [HeldRecord(**dict(row)) for row in record_rows]
    return Held(active, released, recent, records)
