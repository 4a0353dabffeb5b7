"""Settings of the api service (env prefix ARCADIA_API_)."""

from typing import Literal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from arcadia_platform.service_auth import DEV_SERVICE_SECRET
from arcadia_platform.settings import ServiceSettings

# Only for the local stack: any real deployment sets ARCADIA_API_JWT_SECRET (or RS256 keys).
LOCAL_JWT_SECRET = "arcadia-local-development-secret-not-for-production"


class ApiSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ARCADIA_API_", extra="ignore")

    service_name: str = "api"
    http_port: int = 8000

    # One accepted algorithm per configuration: HS256 with `jwt_secret`, or RS256 with either
    # `jwt_public_key` (PEM) or `jwt_jwks_url`.
    jwt_algorithm: Literal["HS256", "RS256"] = "HS256"
    jwt_secret: str = LOCAL_JWT_SECRET
    """HS256: the shared key; the built-in one is refused unless `ARCADIA_ENV=development`."""
    jwt_public_key: str = ""
    """RS256: the identity provider's public key (PEM)."""
    jwt_jwks_url: str = ""
    """RS256: where the identity provider's key set (JWKS) is fetched; tokens name their key by
    `kid`.
    """
    jwt_issuer: str = "arcadia-identity"
    """The `iss` every token must carry."""
    jwt_audience: str = "arcadia-control-plane"
    """The `aud` every token must carry."""
    jwt_leeway_s: int = Field(default=10, ge=0, le=300)
    """Clock skew allowed on a token's `exp`, `nbf` and `iat` (seconds)."""
    # How long keys fetched from `jwt_jwks_url` are trusted before the set is fetched again:
    # a key the identity provider revoked stops working within this time.
    jwt_jwks_cache_s: float = Field(default=300.0, gt=0, le=3600)
    # When set, the `platform-admin` role counts only in tokens of these tenants (comma
    # separated in the environment); elsewhere it is ignored, so a tenant's own identity
    # administrator cannot mint an operator.
    operator_tenants: frozenset[str] = frozenset()

    # Writes (POST/PUT/PATCH/DELETE) per tenant and gateway instance: a token bucket refilled at
    # `write_rate_per_s` up to `write_burst`; beyond it a 429 with Retry-After. 0 = no limit.
    write_rate_per_s: float = Field(default=20.0, ge=0)
    write_burst: int = Field(default=200, ge=1)
    """Size of each tenant's write bucket: writes it may make at once."""

    # Live (not cancelled, not archived) deployments one tenant may have; 0 = no quota.
    max_live_deployments_per_tenant: int = Field(default=100, ge=0)

    # How many of its latest lifecycle events a deployment's detail shows; the rest are paged at
    # /deployments/{id}/events.
    detail_events_limit: int = Field(default=20, ge=1, le=100)

    # The largest request body the gateway reads; beyond it a 413 problem. Far above any valid
    # body (a full create-deployment is ~6 KiB) and far below what an event may carry to Kafka.
    max_body_bytes: int = Field(default=256 * 1024, ge=1024, le=8 * 1024 * 1024)

    idempotency_ttl_s: int = Field(default=24 * 3600, gt=0)
    """How long an `Idempotency-Key` and the answer stored with it are kept (seconds)."""

    # Durable saga deadlines (seconds) and how often they are checked.
    saga_timeout_s: float = Field(default=300.0, gt=0)
    """Deadline of a whole provisioning saga (seconds); past it the saga is aborted."""
    saga_step_timeout_s: float = Field(default=120.0, gt=0)
    """Deadline of one running saga step (seconds); past it the saga is aborted."""
    compensation_timeout_s: float = Field(default=600.0, gt=0)
    """How long an aborted saga's compensation may take (seconds); past it the saga is listed
    `compensation_failed`, and its deployment stays as it is until the undo is reported.
    """
    saga_tick_s: float = Field(default=0.25, gt=0)
    """How often the deadline timer looks for overdue sagas (seconds)."""

    # Admission against the cloud provider's request budget (saga/admission.py).
    provider_budget_per_minute: int = Field(default=200, ge=0)
    """The provider requests per minute the provisioner may send, all its instances together
    (its `do_requests_per_minute`: DigitalOcean's 250 per token less inventory's 50). The gateway
    admits provisionings at the rate this budget serves; 0 admits everything (no client-side
    limit, as for cloudsim in benchmarks)."""
    provider_requests_per_saga: float = Field(default=8.0, gt=0)
    """Provider requests one provisioning saga costs: the look-up by tag and the create, the
    droplet polls until it is active, the record look-up and its create (5 against cloudsim,
    where a droplet is active at once; more against a provider that takes a while to boot one:
    measure `arcadia_provider_calls_total` per saga)."""
    provider_admission_wait_s: float = Field(default=40.0, gt=0)
    """The longest wait for the provider budget a new provisioning is admitted with (seconds);
    beyond it a 429 problem with `Retry-After`. A saga meets the queue up to three times
    (create, polls, DNS), so 40 s keeps it inside the provisioner's 60 s step deadline
    (`step_timeout_s`), the 120 s step deadline and 300 s saga deadline here."""

    # The internal APIs the gateway calls over httpx, and how long one call may take. Drift
    # reads the whole cloud provider account, so it gets its own, longer budget.
    billing_url: str = "http://127.0.0.1:8001"
    """Billing's internal API."""
    inventory_url: str = "http://127.0.0.1:8003"
    """Inventory's internal API."""
    # The gateway's own secret on billing's and inventory's internal APIs: it sends
    # `X-Arcadia-Service: api:<secret>`, and they list it as caller `api` in their
    # `ARCADIA_<S>_INTERNAL_CALLERS`. The built-in one is refused outside development.
    internal_secret: str = DEV_SERVICE_SECRET
    provisioner_url: str = "http://127.0.0.1:8002"
    """The provisioner's internal API (only the operators' audit calls it: the provider's droplets
    and DNS records, read with the provisioner's own credentials; within `drift_timeout_s`)."""
    upstream_timeout_s: float = Field(default=5.0, gt=0, le=120)
    """How long one call to billing or inventory may take (seconds); then a 504 problem."""
    drift_timeout_s: float = Field(default=60.0, gt=0, le=600)
    """How long the operators' audit waits for the provisioner's facts (seconds): it reads the
    provider's whole account (droplets and DNS records) for them."""
    # The operators' audit (GET /api/v1/ops/audit), as `arcadia audit` judges it.
    audit_lag_bound: int = Field(default=1000, ge=0)
    """A consumer group further behind than this many records is a finding (any lag is, when the
    group has no live member)."""
    audit_outbox_bound_s: float = Field(default=60.0, gt=0)
    """An outbox row unsent (and not parked) for longer than this is a finding (seconds)."""
    audit_saga_grace_s: float = Field(default=5.0, ge=0)
    """How long past its deadline an open saga may still be before it is a finding (seconds)."""
