"""Settings of the provisioner service (env prefix ARCADIA_PROVISIONER_)."""

from pydantic_settings import SettingsConfigDict

from arcadia_platform.settings import ServiceSettings


class ProvisionerSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ARCADIA_PROVISIONER_", extra="ignore")

    service_name: str = "provisioner"
    http_port: int = 8002
    # DigitalOcean API v2: the simulator by default; the real API is the same code.
    do_base_url: str = "http://127.0.0.1:8010"
    do_token: str = "dev-token"
    do_timeout_s: float = 10.0
    do_requests_per_minute: int = 250
    # DNS: <slug>.<tenant>.<base_domain>
    base_domain: str = "apps.arcadia.test"
