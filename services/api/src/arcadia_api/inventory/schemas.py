"""The inventory's answers as the gateway reads and re-serves them: resources and drift."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
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
    monthly_cost_cents: int
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


class MissingResource(msgspec.Struct, frozen=True, kw_only=True):
    """An active resource whose droplet the provider no longer has."""

    resource_id: UUID
    provider_id: str
    tenant_id: str
    deployment_id: UUID
    saga_id: UUID | None


class UnmanagedDroplet(msgspec.Struct, frozen=True, kw_only=True):
    """A droplet tagged as Arcadia's with no active resource (`inventory_status`: released)."""

    provider_id: str
    name: str
    status: str
    tags: list[str]
    region: str | None
    size: str | None
    ip_address: str | None
    created_at: str | None
    inventory_status: ResourceStatus | None


class Difference(msgspec.Struct, frozen=True, kw_only=True):
    field: str
    inventory: str | None
    cloud: str | None


class MismatchedResource(msgspec.Struct, frozen=True, kw_only=True):
    resource_id: UUID
    provider_id: str
    deployment_id: UUID
    differences: list[Difference]


class DriftReport(msgspec.Struct, frozen=True, kw_only=True):
    """The inventory compared with the provider's droplets, at `checked_at`."""

    checked_at: datetime
    clean: bool
    resources_checked: int
    droplets_seen: int
    missing_in_cloud: list[MissingResource]
    unmanaged_in_cloud: list[UnmanagedDroplet]
    mismatched: list[MismatchedResource]
