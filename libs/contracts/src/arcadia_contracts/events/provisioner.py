"""Events on `arcadia.provisioner.v1`, published by the provisioner service."""

from arcadia_contracts.envelope import Event
from arcadia_contracts.events.deployments import CompensationFailed, ProvisioningAborted


class DropletCreated(Event, frozen=True, kw_only=True):
    """Saga step 3: the droplet exists at the provider (tagged `saga:<id>`), not yet active."""

    droplet_id: int
    name: str
    region: str
    size: str


class DropletActive(Event, frozen=True, kw_only=True):
    """Saga step 4: the droplet is active, with its public IP address."""

    droplet_id: int
    ip_address: str
    region: str
    size: str


class DnsPointed(Event, frozen=True, kw_only=True):
    """Saga step 7: the record `fqdn` points at the droplet's address."""

    record_id: int
    fqdn: str
    ip_address: str


class DropletDestroyed(Event, frozen=True, kw_only=True):
    """Compensation or teardown: the droplet is gone (`droplet_id` null: there was none)."""

    droplet_id: int | None


class DnsReverted(Event, frozen=True, kw_only=True):
    """Compensation or teardown: the DNS record is undone (`record_id` null: there was none)."""

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
