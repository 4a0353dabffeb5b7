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
    # False: the size is not in the price table; `monthly_cost_cents` is then 0, not a cost.
    priced: bool = True


class ResourceLinked(Event, frozen=True, kw_only=True):
    """Saga step 6: the registered resource is linked to the deployment."""

    resource_id: str


class ResourceReleased(Event, frozen=True, kw_only=True):
    """Compensation or teardown: the resource is released (`resource_id` null: there was none)."""

    resource_id: str | None


class DriftDetected(Event, frozen=True, kw_only=True):
    """A drift scan found something new: the provider and the inventory disagree.

    `kind`: `orphan` (a droplet tagged as Arcadia's the inventory does not hold), `ghost` (an
    active resource the provider no longer has) or `mismatch` (`field` differs: size, region,
    ip_address, status, or a DNS record's content). `subject` is the provider's id of the
    droplet or DNS record (`subject_kind`). Published once per finding, when it opens; the
    envelope's deployment and tenant are the resource's, when the inventory knows them.
    """

    finding_id: str
    kind: str
    subject_kind: str
    subject: str
    field: str | None = None
    expected: str | None = None
    actual: str | None = None
    resource_id: str | None = None


class InventoryCorrected(Event, frozen=True, kw_only=True):
    """An operator's drift fix changed the inventory itself (no saga's doing).

    `action`: `release` (a ghost: `subject_kind` droplet or dns_record, `row_id` the resource's
    or DNS registration's id, released with `reason`) or `take_provider_value` (a droplet's
    `field`, one of size, region or ip_address, now holds the provider's `value`; a new size
    reprices it to `monthly_cost_cents`, null when unpriced). `finding_id` is the fixed
    finding. The envelope's time is the moment the inventory changed: with the events it
    consumes, these make its resources rebuildable from the topics (`arcadia rebuild
    inventory.resources`).
    """

    finding_id: str
    action: str
    subject_kind: str
    row_id: str
    reason: str
    field: str | None = None
    value: str | None = None
    monthly_cost_cents: int | None = None


InventoryEvent = (
    ResourceRegistered
    | ResourceLinked
    | ResourceReleased
    | ProvisioningAborted
    | DriftDetected
    | InventoryCorrected
)
