"""Drift between the inventory and the cloud provider: pure comparison, no I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from arcadia_inventory.domain import Resource, ResourceStatus

MANAGED_TAG: Final = "arcadia"
SAGA_TAG_PREFIX: Final = "saga:"
CLOUD_ACTIVE: Final = "active"


@dataclass(frozen=True, kw_only=True)
class CloudDroplet:
    """A droplet as the provider lists it."""

    id: str
    name: str
    status: str
    tags: tuple[str, ...]
    region: str | None
    size: str | None
    ip_address: str | None
    created_at: str | None = None

    @property
    def managed(self) -> bool:
        """Tagged as Arcadia's: created by the provisioner for a saga."""
        return any(tag == MANAGED_TAG or tag.startswith(SAGA_TAG_PREFIX) for tag in self.tags)


@dataclass(frozen=True)
class FieldDrift:
    field: str
    inventory: str | None
    cloud: str | None


@dataclass(frozen=True)
class Mismatch:
    resource: Resource
    droplet: CloudDroplet
    fields: tuple[FieldDrift, ...]


@dataclass(frozen=True)
class Unmanaged:
    """A tagged droplet with no active resource; `inventory_status` is set when it was released."""

    droplet: CloudDroplet
    inventory_status: ResourceStatus | None


@dataclass(frozen=True)
class DriftReport:
    resources_checked: int
    droplets_seen: int
    missing_in_cloud: list[Resource] = field(default_factory=list)
    unmanaged_in_cloud: list[Unmanaged] = field(default_factory=list)
    mismatched: list[Mismatch] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.missing_in_cloud or self.unmanaged_in_cloud or self.mismatched)


def compare(resource: Resource, droplet: CloudDroplet) -> tuple[FieldDrift, ...]:
    """What differs between an active resource and its droplet."""
    pairs = (
        ("status", CLOUD_ACTIVE, droplet.status),
        ("ip_address", resource.ip_address, droplet.ip_address),
        ("region", resource.region, droplet.region),
        ("size", resource.size, droplet.size),
    )
    return tuple(FieldDrift(name, ours, theirs) for name, ours, theirs in pairs if ours != theirs)


def detect_drift(
    active: Sequence[Resource],
    droplets: Sequence[CloudDroplet],
    released: Mapping[str, ResourceStatus],
) -> DriftReport:
    """Compare the active resources with the provider's droplets.

    `released` maps provider ids of resources no longer active to their status, so that a
    droplet left behind by a released resource is reported as unmanaged with that status.
    Droplets that are neither tagged as Arcadia's nor in the inventory are none of our business.
    """
    in_cloud = {droplet.id: droplet for droplet in droplets}
    ours = {resource.provider_id for resource in active}
    report = DriftReport(resources_checked=len(active), droplets_seen=len(droplets))
    for resource in active:
        droplet = in_cloud.get(resource.provider_id)
        if droplet is None:
            report.missing_in_cloud.append(resource)
        elif differences := compare(resource, droplet):
            report.mismatched.append(Mismatch(resource, droplet, differences))
    for droplet in droplets:
        if droplet.id not in ours and droplet.managed:
            report.unmanaged_in_cloud.append(Unmanaged(droplet, released.get(droplet.id)))
    return report
