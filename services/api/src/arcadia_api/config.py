"""Settings of the api service (env prefix ARCADIA_API_)."""

from pydantic_settings import SettingsConfigDict

from arcadia_platform.settings import ServiceSettings


class ApiSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ARCADIA_API_", extra="ignore")

    service_name: str = "api"
    http_port: int = 8000
