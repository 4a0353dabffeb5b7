"""Settings of the billing service (env prefix ARCADIA_BILLING_)."""

from pydantic_settings import SettingsConfigDict

from arcadia_platform.settings import ServiceSettings


class BillingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ARCADIA_BILLING_", extra="ignore")

    service_name: str = "billing"
    http_port: int = 8001
