"""Settings of the inventory service (env prefix ARCADIA_INVENTORY_)."""

from pydantic_settings import SettingsConfigDict

from arcadia_platform.settings import ServiceSettings


class InventorySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ARCADIA_INVENTORY_", extra="ignore")

    service_name: str = "inventory"
    http_port: int = 8003
