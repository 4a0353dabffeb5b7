"""Settings of the inventory service (env prefix ARCADIA_INVENTORY_)."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from arcadia_inventory.domain import SIZE_PRICES_CENTS
from arcadia_platform.settings import ServiceSettings


class InventorySettings(ServiceSettings):
    """The inventory's settings; its provider is its own, apart from the provisioner's.

    Drift detection reads the cloud provider named by `ARCADIA_INVENTORY_DO_BASE_URL` and
    `ARCADIA_INVENTORY_DO_TOKEN` (cloudsim by default). Switching the provisioner alone to the
    real DigitalOcean API leaves drift reading the simulator: set both services' pairs.
    """

    model_config = SettingsConfigDict(env_prefix="ARCADIA_INVENTORY_", extra="ignore")

    service_name: str = "inventory"
    http_port: int = 8003
    # The cloud provider that drift detection reads (DigitalOcean API v2, or cloudsim in dev).
    do_base_url: str = "http://127.0.0.1:8010"
    # Bearer token for that provider (a read-only DigitalOcean token is enough).
    do_token: str = "dev-token"
    """Bearer token for the DigitalOcean API (cloudsim takes any by default)."""
    do_timeout_s: float = 10.0
    """How long one provider call may take (seconds)."""
    do_max_attempts: int = 3
    """Tries per page (the first included) on a 5xx, a timeout or a connection error."""
    do_requests_per_minute: int = Field(default=50, ge=0)
    """Inventory's share of the token's rate limit (requests/minute; 0: off). DigitalOcean allows
    250/minute per token, and the provisioner uses the same token from another process: the
    budget is split in settings, 200 for the provisioner and 50 for drift scans by default; keep
    the sum of both services' `DO_REQUESTS_PER_MINUTE` within the provider's limit."""
    droplet_prices_cents: dict[str, int] = Field(default_factory=lambda: dict(SIZE_PRICES_CENTS))
    """The one price table: a droplet size's monthly cost in US cents (JSON object). A size not in
    it is registered *unpriced* (cost null, `priced: false`), never guessed."""
    dns_domain: str = "apps.arcadia.test"
    """The domain whose records drift scans read: the provisioner's `BASE_DOMAIN`."""
    drift_scan_interval_s: float = Field(default=3600.0, ge=0)
    """Seconds between scheduled drift scans (the first one an interval after start); 0: none,
    only scans asked for with `POST /internal/v1/drift/scans`."""
    drift_grace_s: float = Field(default=300.0, ge=0)
    """A tagged droplet created, or a resource released, less than this long ago is not an orphan
    yet: a saga may be between creating a droplet and registering it, a teardown between
    releasing a resource and destroying its droplet."""
