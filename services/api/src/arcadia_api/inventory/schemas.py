"""The inventory's answers as the gateway reads and re-serves them: resources and drift."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

import msgspec


class ResourceStatus(StrEnum):
    ACTIVE = "active"
    RELEASED = "released"


class Resource(msgspec.Struct, frozen=True, kw_only=True):
    """A cloud object Arcadia pays for, held by one deployment of one tenant."""

    id: UUID
    provider: str
    provider_id: str
    kind: str
    tenant_id: str
    deployment_id: UUID
    saga_id: UUID | None
    region: str
    size: str
    ip_address: str | None
    monthly_cost_cents: int | None
    # False: the size is not in the price table (the cost is null, not a guess).
    priced: bool = True
    currency: str
    status: ResourceStatus
    registered_at: datetime | None
    released_at: datetime | None
    linked_deployment_id: UUID | None


class ResourcePage(msgspec.Struct, frozen=True, kw_only=True):
    """One page; ask for the next with `offset + limit` until a page comes back short."""

    items: list[Resource]
    limit: int
    offset: int


class ResourceKind(StrEnum):
    DROPLET = "droplet"
    DNS_RECORD = "dns_record"


class InventoryItem(msgspec.Struct, frozen=True, kw_only=True):
    """A cloud resource: a droplet, or the DNS record pointing at it (its `ip_address` is the
    record's content, `fqdn` its name; no region or size). `monthly_cost_cents` comes from the
    price table per droplet size; a size the table does not know is `priced: false` with a null
    cost, never a guess. DNS records cost nothing."""

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


class InventoryUpstreamPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[InventoryItem]
    more: bool


class InventoryPage(msgspec.Struct, frozen=True, kw_only=True):
    """Oldest registration first; pass `next_cursor` back as `cursor` (null: no more)."""

    items: list[InventoryItem]
    next_cursor: str | None


class FindingStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class DriftFinding(msgspec.Struct, frozen=True, kw_only=True):
    """A disagreement between the inventory and the provider, kept from scan to scan.

    `kind`: `orphan` (a droplet tagged as Arcadia's that the inventory does not hold), `ghost`
    (an active resource the provider no longer has), `mismatch` (`field` differs: `expected` is
    the inventory's value, `actual` the provider's). Closed, never deleted, when a scan no
    longer finds it or an operator fixes it."""

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


class DriftUpstreamPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[DriftFinding]
    more: bool


class DriftPage(msgspec.Struct, frozen=True, kw_only=True):
    """Oldest first seen first; pass `next_cursor` back as `cursor` (null: no more)."""

    items: list[DriftFinding]
    next_cursor: str | None


class DriftScan(msgspec.Struct, frozen=True, kw_only=True):
    """A drift scan: `requested`, `running`, then `done` (with its counts) or `failed`."""

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


class DriftFix(msgspec.Struct, frozen=True, kw_only=True):
    """What fixing the finding does; `applied: false` is a dry run (pass `confirm=true`).
    A ghost names the deployment it served (and its tenant)."""

    finding: DriftFinding
    action: str
    applied: bool
    deployment_id: UUID | None
    tenant_id: str | None
