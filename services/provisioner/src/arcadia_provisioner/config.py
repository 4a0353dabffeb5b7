"""Settings of the provisioner service (env prefix ARCADIA_PROVISIONER_)."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from arcadia_platform.settings import ServiceSettings


class ProvisionerSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ARCADIA_PROVISIONER_", extra="ignore")

    service_name: str = "provisioner"
    http_port: int = 8002
    # Its HTTP side serves only /health, /ready and the parked outbox rows; the job worker holds a
    # connection per running saga (its advisory lock), from the event-processing pool. 2 + 8:
    # the 10 connections it had before the pools were split.
    db_pool_max: int = 2
    """Most connections of the HTTP pool (health, readiness, parked outbox rows)."""
    db_events_pool_max: int = 8
    """Most connections of the event-processing pool: consumer, relay, and one per running job."""
    # DigitalOcean API v2: the simulator by default; the real API is the same code.
    do_base_url: str = "http://127.0.0.1:8010"
    do_token: str = "dev-token"
    """Bearer token for the DigitalOcean API (cloudsim takes any by default)."""
    do_timeout_s: float = 10.0
    """How long one provider call may take (seconds)."""
    do_max_retries: int = 4
    """Retries of a provider call after a 429, a 5xx or a timeout."""
    do_backoff_base_s: float = 0.25
    """First wait before such a retry (seconds); it grows exponentially, with jitter."""
    do_requests_per_minute: int = 200
    """The provisioner's share of the token's provider budget (requests per minute, all instances
    together when `do_budget_shared`). DigitalOcean allows 250/minute per token; inventory's drift
    scans use the same token from another service (`do_requests_per_minute` there, 50), so
    200 + 50 = 250. 0 turns the client-side limit off (cloudsim in benchmarks)."""
    do_budget_shared: bool = True
    """Take the budget from one row per token in this service's database (one upsert per
    request), so that every provisioner instance together keeps to `do_requests_per_minute`;
    false: each process keeps its own bucket (N instances send N times the share)."""
    # DNS: <slug>.<tenant>.<base_domain>
    base_domain: str = "apps.arcadia.test"
    # Durable jobs against the provider.
    job_concurrency: int = 32
    """Provider jobs one instance runs at once."""
    job_poll_interval_s: float = 1.0
    """Safety-net poll of the job worker (seconds). It is woken when this process schedules or
    finishes a job, and by a timer when a delayed job (a retry, a wait) falls due; this poll only
    catches jobs another instance scheduled while this one was idle."""
    jobs_retention_s: float = Field(default=7 * 24 * 3600.0, ge=0)
    """How long a finished provider job is kept (seconds) before the retention purge removes it;
    the saga's own record (`provisionings`) stays.
    """
    job_backoff_base_s: float = 0.05
    """First wait before a failed provider job runs again (seconds); it grows exponentially."""
    job_backoff_max_s: float = 2.0
    """Longest wait before a failed provider job runs again (seconds)."""
    step_timeout_s: float = 60.0
    """Deadline of the provisioner's own steps, creating the droplet and pointing DNS (seconds);
    past it the saga is aborted.
    """
    droplet_active_timeout_s: float = 300.0
    """How long a new droplet may take to become active (seconds); past it the saga is aborted."""
    compensation_max_attempts: int = 12
    """Tries of an undo the provider keeps refusing before `CompensationFailed`."""
