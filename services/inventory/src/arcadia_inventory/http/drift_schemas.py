"""Shapes of the inventory listing and of drift (findings, scans, fixes) on the internal API."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

import msgspec
from msgspec import Meta

from arcadia_inventory.adapters.drift_store import Scan, StoredFinding
from arcadia_inventory.adapters.inventory_items import Item
from arcadia_inventory.domain import ResourceStatus
from arcadia_inventory.http.schemas import TenantId

Limit = Annotated[int, Meta(ge=1, le=500)]


class Kind(StrEnum):
    DROPLET = "droplet"
    DNS_RECORD = "dns_record"


class FindingStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class ItemQuery(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    tenant_id: TenantId | None = None
    deployment_id: UUID | None = None
    kind: Kind | None = None
    status: ResourceStatus | None = None
    after_registered_at: datetime | None = None
    after_id: UUID | None = None
    limit: Limit = 100


class FindingQuery(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    status: FindingStatus | None = None
    after_first_seen: datetime | None = None
    after_id: UUID | None = None
    limit: Limit = 100


class FixQuery(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    confirm: bool = False


class ItemView(msgspec.Struct, frozen=True, kw_only=True):
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

    @classmethod
    def of(cls, item: Item) -> ItemView:
        fields = {name: getattr(item, name) for name in Item.__dataclass_fields__}
        return cls(priced=item.monthly_cost_cents is not None, **fields)


class ItemPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[ItemView]
    more: bool


class FindingView(msgspec.Struct, frozen=True, kw_only=True):
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

    @classmethod
    def of(cls, f: StoredFinding) -> FindingView:
        return cls(**{name: getattr(f, name) for name in StoredFinding.__dataclass_fields__})


class FindingPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[FindingView]
    more: bool


class ScanView(msgspec.Struct, frozen=True, kw_only=True):
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

    @classmethod
    def of(cls, s: Scan) -> ScanView:
        return cls(**{name: getattr(s, name) for name in Scan.__dataclass_fields__})


class FixView(msgspec.Struct, frozen=True, kw_only=True):
    """What fixing the finding does (`applied: false`: a dry run) and the finding after it."""

    finding: FindingView
    action: str
    applied: bool
    deployment_id: UUID | None
    tenant_id: str | None
