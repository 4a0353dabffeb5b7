"""Settings of the provisioner service (env prefix ARCADIA_PROVISIONER_)."""

from pydantic_settings import SettingsConfigDict

from arcadia_platform.settings import ServiceSettings


class ProvisionerSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ARCADIA_PROVISIONER_", extra="ignore")

    service_name: str = "provisioner"
    http_port: int = 8002
