"""Shapes of the inventory listing and of drift (findings, scans, fixes) on the internal API."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Self
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


class RowView(msgspec.Struct, frozen=True, kw_only=True):
    """A repository's row under the name this API documents it by (its OpenAPI component): a
    view is the row's type and this, so the fields are declared once, in adapters/."""

    @classmethod
    def of(cls, row: msgspec.Struct) -> Self:
        return cls(**msgspec.structs.asdict(row))


class ItemView(Item, RowView, frozen=True, kw_only=True):
    pass


class ItemPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[ItemView]
    more: bool


class FindingView(StoredFinding, RowView, frozen=True, kw_only=True):
    pass


class FindingPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[FindingView]
    more: bool


class ScanView(Scan, RowView, frozen=True, kw_only=True):
    pass


class FixView(msgspec.Struct, frozen=True, kw_only=True):
    """What fixing the finding does (`applied: false`: a dry run) and the finding after it."""

    finding: FindingView
    action: str
    applied: bool
    deployment_id: UUID | None
    tenant_id: str | None
