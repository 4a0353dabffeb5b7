"""Settings of the DigitalOcean client; the sim and the real API differ only in base URL and token."""

from __future__ import annotations

from dataclasses import dataclass

REAL_API = "https://api.digitalocean.com"


@dataclass(frozen=True)
class DigitalOceanConfig:
    base_url: str
    token: str
    # Per HTTP request (connect, read, write, pool each); a hung call fails after this.
    timeout_s: float = 10.0
    # Further tries after a 5xx, timeout or connection error (and bound on re-created creates).
    max_retries: int = 4
    backoff_base_s: float = 0.25
    backoff_max_s: float = 8.0
    # DigitalOcean allows 250 requests/minute per token; None turns the client-side limit off
    # (e.g. against cloudsim in benchmarks). It is per client: share one client per process.
    requests_per_minute: int | None = 250
    burst: int = 10
    # 429s are waited out (per retry-after) this many times before giving up as unavailable.
    max_rate_limit_waits: int = 8
    max_retry_after_s: float = 60.0
    poll_interval_s: float = 2.0
    # After a successful create, list again so that racing callers settle on the oldest object
    # (and destroy the younger). A caller that serialises its creates (one lock per saga) can
    # turn it off and save a request per create.
    settle_after_create: bool = True
    # Items per page of list calls (DigitalOcean allows up to 200).
    page_size: int = 200
    user_agent: str = "arcadia-provisioner"
