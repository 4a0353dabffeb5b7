"""Settings of the inventory service (env prefix ARCADIA_INVENTORY_)."""

from pydantic_settings import SettingsConfigDict

from arcadia_platform.settings import ServiceSettings


class InventorySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ARCADIA_INVENTORY_", extra="ignore")

    service_name: str = "inventory"
    http_port: int = 8003
    # The cloud provider that drift detection reads (DigitalOcean API v2, or cloudsim in dev).
    do_base_url: str = "http://127.0.0.1:8010"
    do_token: str = "dev-token"
    """Bearer token for the DigitalOcean API (cloudsim takes any by default)."""
    do_timeout_s: float = 10.0
    """How long one provider call may take (seconds)."""
    do_max_attempts: int = 3
    """Tries of a provider call; a 5xx or a timeout is tried again."""
