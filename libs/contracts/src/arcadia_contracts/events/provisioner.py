"""Events on `arcadia.provisioner.v1`, published by the provisioner service."""

from arcadia_contracts.envelope import Event
from arcadia_contracts.events.deployments import CompensationFailed, ProvisioningAborted


class DropletCreated(Event, frozen=True, kw_only=True):
    droplet_id: int
    name: str
    region: str
    size: str


class DropletActive(Event, frozen=True, kw_only=True):
    droplet_id: int
    ip_address: str
    region: str
    size: str


class DnsPointed(Event, frozen=True, kw_only=True):
    record_id: int
    fqdn: str
    ip_address: str


class DropletDestroyed(Event, frozen=True, kw_only=True):
    droplet_id: int | None


class DnsReverted(Event, frozen=True, kw_only=True):
    record_id: int | None
    fqdn: str


ProvisionerEvent = (
    DropletCreated
    | DropletActive
    | DnsPointed
    | DropletDestroyed
    | DnsReverted
    | ProvisioningAborted
    | CompensationFailed
)
