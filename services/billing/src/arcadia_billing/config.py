"""Settings of the billing service (env prefix ARCADIA_BILLING_)."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from arcadia_platform.settings import ServiceSettings


class BillingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ARCADIA_BILLING_", extra="ignore")

    service_name: str = "billing"
    http_port: int = 8001
    cycle_enabled: bool = Field(
        default=True,
        description="Run the billing cycle loop: close ended periods (and write their invoices),"
        " end trials, suspend deployments past due for longer than the grace period.",
    )
    cycle_interval_s: float = Field(
        default=60.0,
        gt=0,
        description="Seconds between two runs of the billing cycle loop (each run catches up"
        " everything due, so a longer interval only delays).",
    )
    cycle_batch: int = Field(
        default=100,
        ge=1,
        le=10_000,
        description="Trials and dunning suspensions handled per transaction of a cycle run.",
    )
    dunning_grace_s: float = Field(
        default=14 * 86400.0,
        ge=0,
        description="How long a subscription stays past due after a failed payment before"
        " billing asks the gateway to suspend its deployment (seconds; default 14 days).",
    )
    clock_file: str | None = Field(
        default=None,
        description="Tests only: read the current time (RFC 3339) from this file instead of the"
        " system clock, so that a whole-stack test can move billing's time. Never set it in"
        " production.",
    )
