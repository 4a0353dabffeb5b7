"""Settings of the inventory service (env prefix ARCADIA_INVENTORY_)."""

from pydantic_settings import SettingsConfigDict

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
    do_requests_per_minute: int = 250
    """Client-side limit of one drift read (DigitalOcean allows 250/minute per token); 0: off."""
