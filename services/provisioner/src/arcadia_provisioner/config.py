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
    do_max_retries: int = 4
    do_backoff_base_s: float = 0.25
    # DigitalOcean allows 250/minute per token; 0 turns the client-side limit off (cloudsim).
    do_requests_per_minute: int = 250
    # DNS: <slug>.<tenant>.<base_domain>
    base_domain: str = "apps.arcadia.test"
    # Durable jobs against the provider.
    job_concurrency: int = 32
    job_poll_interval_s: float = 0.1
    job_backoff_base_s: float = 0.05
    job_backoff_max_s: float = 2.0
    step_timeout_s: float = 60.0
    droplet_active_timeout_s: float = 300.0
    compensation_max_attempts: int = 12
