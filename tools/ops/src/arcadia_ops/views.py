"""What the audit reads from each service and from the provider: the plain views live in
`arcadia_platform.audit.views` (the gateway's /api/v1/ops/audit checks the same ones); `Sources`,
where the CLI reads them, is the CLI's own."""

from __future__ import annotations

from dataclasses import dataclass

from arcadia_platform.audit.views import (
    Deployment,
    Droplet,
    OutboxRow,
    Record,
    Resource,
    Saga,
    Subscription,
    World,
)

__all__ = [
    "Deployment",
    "Droplet",
    "OutboxRow",
    "Record",
    "Resource",
    "Saga",
    "Sources",
    "Subscription",
    "World",
]


@dataclass(frozen=True)
class Sources:
    """Where to read: the four services' databases (read-only) and the provider's API."""

    api_db: str
    billing_db: str
    provisioner_db: str
    inventory_db: str
    provider_url: str
    provider_token: str
    base_domain: str
