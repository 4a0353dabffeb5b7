"""Events on `arcadia.inventory.v1`, published by the inventory service."""

from arcadia_contracts.envelope import Event
from arcadia_contracts.events.deployments import ProvisioningAborted


class ResourceRegistered(Event, frozen=True, kw_only=True):
    """Saga step 5: the droplet is in the inventory, with what it costs per month."""

    resource_id: str
    provider_id: str
    kind: str
    monthly_cost_cents: int
    currency: str = "USD"
    region: str | None = None
    size: str | None = None
    ip_address: str | None = None


class ResourceLinked(Event, frozen=True, kw_only=True):
    """Saga step 6: the registered resource is linked to the deployment."""

    resource_id: str


class ResourceReleased(Event, frozen=True, kw_only=True):
    """Compensation or teardown: the resource is released (`resource_id` null: there was none)."""

    resource_id: str | None


InventoryEvent = ResourceRegistered | ResourceLinked | ResourceReleased | ProvisioningAborted
