"""The facts the operators' audit checks: what each service and the provider hold, as plain data
(no I/O). Collected by `arcadia_ops` (straight from the databases) and by the gateway's
`GET /api/v1/ops/audit` (through each service's internal API)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Deployment:
    """The gateway's view: a deployment and whether any provisioning saga ever ran for it."""

    id: str
    tenant_id: str
    slug: str
    state: str
    provisioned: bool


@dataclass(frozen=True)
class Saga:
    id: str
    deployment_id: str
    kind: str
    status: str
    deadline_at: datetime


@dataclass(frozen=True)
class Subscription:
    id: str
    deployment_id: str
    status: str


@dataclass(frozen=True)
class Resource:
    """An inventory resource; `linked` = it has a current link to its deployment."""

    id: str
    deployment_id: str
    status: str
    provider_id: str
    linked: bool


@dataclass(frozen=True)
class Droplet:
    id: int
    status: str
    tags: tuple[str, ...]
    public_ip: str | None


@dataclass(frozen=True)
class Record:
    """A DNS record of the base domain; `name` is relative to it (`<slug>.<tenant>`)."""

    id: int
    type: str
    name: str
    data: str


@dataclass(frozen=True)
class OutboxRow:
    service: str
    id: int
    key: str | None  # the deployment id, for every event about one
    created_at: datetime
    sent_at: datetime | None
    parked: bool


@dataclass
class World:
    """Everything the audit collected, at one moment (`now`, the databases' clock)."""

    now: datetime
    deployments: list[Deployment] = field(default_factory=list)
    sagas: list[Saga] = field(default_factory=list)
    subscriptions: list[Subscription] = field(default_factory=list)
    resources: list[Resource] = field(default_factory=list)
    droplets: list[Droplet] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)
    # Only the rows that matter: unsent and not parked.
    outbox: list[OutboxRow] = field(default_factory=list)
