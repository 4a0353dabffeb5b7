"""Inventory rules: what a droplet costs, what a resource is, and when registration is refused."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Final
from uuid import UUID, uuid5

PROVIDER: Final = "digitalocean"
DROPLET: Final = "droplet"
DNS_RECORD: Final = "dns_record"
CURRENCY: Final = "USD"
REGISTER_STEP: Final = "register_inventory"
# Ids are derived from what the events say (never drawn at random), so a rebuild from the topics
# gives every row the id it has live: a resource's from its provider object, a DNS record's from
# its saga and provider record.
ID_NAMESPACE: Final = UUID("6f0a2d3c-5b7e-4c1a-9e8d-a1b2c3d4e5f6")


def resource_id_of(provider: str, provider_id: str) -> UUID:
    return uuid5(ID_NAMESPACE, f"resource:{provider}:{provider_id}")


def dns_record_id_of(saga_id: UUID, record_id: str) -> UUID:
    return uuid5(ID_NAMESPACE, f"dns_record:{saga_id}:{record_id}")


# DigitalOcean's list prices for Basic droplets, per month, in US cents: the default of the
# `droplet_prices_cents` setting (ARCADIA_INVENTORY_DROPLET_PRICES_CENTS), the one price table.
SIZE_PRICES_CENTS: Final[Mapping[str, int]] = {
    "s-1vcpu-512mb-10gb": 400,
    "s-1vcpu-1gb": 600,
    "s-1vcpu-2gb": 1200,
    "s-2vcpu-2gb": 1800,
    "s-2vcpu-4gb": 2400,
    "s-4vcpu-8gb": 4800,
    "s-8vcpu-16gb": 9600,
}
# DNS records cost nothing at DigitalOcean (DNS hosting is free): priced, at zero.
DNS_RECORD_CENTS: Final = 0


def monthly_cost_cents(size: str, prices: Mapping[str, int] = SIZE_PRICES_CENTS) -> int | None:
    """What a droplet of `size` costs per month, in cents of CURRENCY; None: unpriced.

    An unknown size is never guessed: it stays unpriced (shown as such) until the table knows it.
    """
    return prices.get(size)


def is_priced(size: str, prices: Mapping[str, int] = SIZE_PRICES_CENTS) -> bool:
    return size in prices


class ResourceStatus(StrEnum):
    ACTIVE = "active"
    RELEASED = "released"


@dataclass(frozen=True, kw_only=True)
class Resource:
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
    currency: str
    status: ResourceStatus
    registered_at: datetime | None = None
    released_at: datetime | None = None

    @property
    def priced(self) -> bool:
        return self.monthly_cost_cents is not None


def droplet_resource(
    *,
    droplet_id: int,
    region: str,
    size: str,
    ip_address: str | None,
    tenant_id: str,
    deployment_id: UUID,
    saga_id: UUID | None,
    prices: Mapping[str, int] = SIZE_PRICES_CENTS,
    registered_at: datetime | None = None,
) -> Resource:
    """A new, active resource for a droplet that has just become active (cost from `prices`);
    its id is derived from the droplet's, and `registered_at` is the DropletActive's time."""
    return Resource(
        id=resource_id_of(PROVIDER, str(droplet_id)),
        provider=PROVIDER,
        provider_id=str(droplet_id),
        kind=DROPLET,
        tenant_id=tenant_id,
        deployment_id=deployment_id,
        saga_id=saga_id,
        region=region,
        size=size,
        ip_address=ip_address,
        monthly_cost_cents=monthly_cost_cents(size, prices),
        currency=CURRENCY,
        status=ResourceStatus.ACTIVE,
        registered_at=registered_at,
    )


class RegistrationRejectedError(Exception):
    """A droplet the inventory cannot accept; the saga must be aborted with `reason`."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def check_registration(
    *,
    deployment_id: UUID | None,
    saga_id: UUID | None,
    provider_id: str,
    held: Resource | None,
) -> UUID:
    """The deployment to link the droplet to; raises RegistrationRejectedError if there is none.

    `held` is the deployment's current active resource of the same kind, if any.
    """
    if deployment_id is None:
        raise RegistrationRejectedError("the droplet belongs to no deployment")
    if saga_id is None:
        raise RegistrationRejectedError("the droplet was provisioned outside a saga")
    if held is not None and held.provider_id != provider_id:
        raise RegistrationRejectedError(
            f"deployment {deployment_id} already holds active {held.kind}"
            f" {held.provider_id} (resource {held.id})"
        )
    return deployment_id


def already_registered(
    *,
    registered: Resource | None,
    deployment_id: UUID | None,
    saga_id: UUID | None,
    provider_id: str,
) -> bool:
    """True when the droplet is already this saga's resource: a redelivery, nothing to do.

    `registered` is whatever resource holds the provider id. A provider never reuses an id, so
    one held by another deployment or saga is not "done": it is a different object, or a provider
    that forgot its own (a simulator restarted without its state). Taking it as success would
    leave the saga waiting for its deadline; raises RegistrationRejectedError instead. The reason
    names neither the other deployment nor its tenant: it is shown to this deployment's tenant.
    """
    if registered is None:
        return False
    if registered.deployment_id == deployment_id and registered.saga_id == saga_id:
        return True
    owner = (
        "another saga of this deployment"
        if registered.deployment_id == deployment_id
        else "another deployment"
    )
    raise RegistrationRejectedError(
        f"provider id clash: {registered.kind} {provider_id} is already registered to {owner}"
        f" ({registered.status}); the provider reused an id, refusing to take it over"
    )
