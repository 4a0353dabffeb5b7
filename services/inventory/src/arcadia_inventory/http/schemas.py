"""Request (query) and response shapes of the internal API, and their mapping from the model."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Final
from uuid import UUID

import msgspec
from msgspec import Meta

from arcadia_inventory.adapters.queries import CostLine, LinkedResource
from arcadia_inventory.domain import Resource, ResourceStatus
from arcadia_inventory.drift import DriftReport, Mismatch, Unmanaged

# PostgreSQL text cannot hold NUL: refuse it here rather than fail in the database.
TenantId = Annotated[str, Meta(min_length=1, max_length=200, pattern=r"^[^\x00]+$")]
MAX_OFFSET: Final = 10_000_000


class ResourceQuery(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    tenant_id: TenantId | None = None
    deployment_id: UUID | None = None
    status: ResourceStatus | None = None
    limit: Annotated[int, Meta(ge=1, le=500)] = 100
    offset: Annotated[int, Meta(ge=0, le=MAX_OFFSET)] = 0


class CostQuery(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    tenant_id: TenantId | None = None


class NoQuery(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """An endpoint that takes no query parameters at all."""


class ResourceView(msgspec.Struct, frozen=True, kw_only=True):
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
    priced: bool
    currency: str
    status: ResourceStatus
    registered_at: datetime | None
    released_at: datetime | None
    linked_deployment_id: UUID | None

    @classmethod
    def of(cls, found: LinkedResource) -> ResourceView:
        r = found.resource
        return cls(
            id=r.id,
            provider=r.provider,
            provider_id=r.provider_id,
            kind=r.kind,
            tenant_id=r.tenant_id,
            deployment_id=r.deployment_id,
            saga_id=r.saga_id,
            region=r.region,
            size=r.size,
            ip_address=r.ip_address,
            monthly_cost_cents=r.monthly_cost_cents,
            priced=r.priced,
            currency=r.currency,
            status=r.status,
            registered_at=r.registered_at,
            released_at=r.released_at,
            linked_deployment_id=found.linked_deployment_id,
        )


class ResourcePage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[ResourceView]
    limit: int
    offset: int


class DeploymentCost(msgspec.Struct, frozen=True, kw_only=True):
    tenant_id: str
    deployment_id: UUID | None
    currency: str
    monthly_cost_cents: int
    resources: int


class TenantCost(msgspec.Struct, frozen=True, kw_only=True):
    tenant_id: str
    currency: str
    monthly_cost_cents: int
    resources: int


class CostReport(msgspec.Struct, frozen=True, kw_only=True):
    """Monthly cost of the active resources (integer cents per currency)."""

    deployments: list[DeploymentCost]
    tenants: list[TenantCost]

    @classmethod
    def of(cls, per_deployment: list[CostLine], per_tenant: list[CostLine]) -> CostReport:
        return cls(
            deployments=[
                DeploymentCost(
                    tenant_id=line.tenant_id,
                    deployment_id=line.deployment_id,
                    currency=line.currency,
                    monthly_cost_cents=line.monthly_cost_cents,
                    resources=line.resources,
                )
                for line in per_deployment
            ],
            tenants=[
                TenantCost(
                    tenant_id=line.tenant_id,
                    currency=line.currency,
                    monthly_cost_cents=line.monthly_cost_cents,
                    resources=line.resources,
                )
                for line in per_tenant
            ],
        )


class MissingView(msgspec.Struct, frozen=True, kw_only=True):
    resource_id: UUID
    provider_id: str
    tenant_id: str
    deployment_id: UUID
    saga_id: UUID | None

    @classmethod
    def of(cls, r: Resource) -> MissingView:
        return cls(
            resource_id=r.id,
            provider_id=r.provider_id,
            tenant_id=r.tenant_id,
            deployment_id=r.deployment_id,
            saga_id=r.saga_id,
        )


class UnmanagedView(msgspec.Struct, frozen=True, kw_only=True):
    provider_id: str
    name: str
    status: str
    tags: list[str]
    region: str | None
    size: str | None
    ip_address: str | None
    created_at: str | None
    inventory_status: ResourceStatus | None

    @classmethod
    def of(cls, u: Unmanaged) -> UnmanagedView:
        d = u.droplet
        return cls(
            provider_id=d.id,
            name=d.name,
            status=d.status,
            tags=list(d.tags),
            region=d.region,
            size=d.size,
            ip_address=d.ip_address,
            created_at=d.created_at,
            inventory_status=u.inventory_status,
        )


class DifferenceView(msgspec.Struct, frozen=True, kw_only=True):
    field: str
    inventory: str | None
    cloud: str | None


class MismatchView(msgspec.Struct, frozen=True, kw_only=True):
    resource_id: UUID
    provider_id: str
    deployment_id: UUID
    differences: list[DifferenceView]

    @classmethod
    def of(cls, m: Mismatch) -> MismatchView:
        return cls(
            resource_id=m.resource.id,
            provider_id=m.resource.provider_id,
            deployment_id=m.resource.deployment_id,
            differences=[
                DifferenceView(field=f.field, inventory=f.inventory, cloud=f.cloud)
                for f in m.fields
            ],
        )


class DriftView(msgspec.Struct, frozen=True, kw_only=True):
    checked_at: datetime
    clean: bool
    resources_checked: int
    droplets_seen: int
    missing_in_cloud: list[MissingView]
    unmanaged_in_cloud: list[UnmanagedView]
    mismatched: list[MismatchView]

    @classmethod
    def of(cls, report: DriftReport, checked_at: datetime) -> DriftView:
        return cls(
            checked_at=checked_at,
            clean=report.clean,
            resources_checked=report.resources_checked,
            droplets_seen=report.droplets_seen,
            missing_in_cloud=[MissingView.of(r) for r in report.missing_in_cloud],
            unmanaged_in_cloud=[UnmanagedView.of(u) for u in report.unmanaged_in_cloud],
            mismatched=[MismatchView.of(m) for m in report.mismatched],
        )
