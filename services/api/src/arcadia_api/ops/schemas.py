"""The facts each service serves at /internal/v1/audit/facts (arcadia_platform.audit.facts), as
the gateway decodes them."""

from __future__ import annotations

from datetime import datetime

import msgspec


class UnsentRow(msgspec.Struct, frozen=True):
    id: int
    key: str | None
    created_at: datetime


class ParkedFact(msgspec.Struct, frozen=True):
    id: int
    topic: str
    key: str | None
    event_type: str | None
    created_at: datetime
    parked_at: datetime
    park_reason: str | None
    park_count: int


class OutboxFacts(msgspec.Struct, frozen=True):
    now: datetime
    unsent: int
    oldest_unsent_at: datetime | None
    parked: int
    rows: list[UnsentRow]
    parked_rows: list[ParkedFact]


class SubscriptionFact(msgspec.Struct, frozen=True):
    id: str
    deployment_id: str
    status: str


class ResourceFact(msgspec.Struct, frozen=True):
    id: str
    deployment_id: str
    status: str
    provider_id: str
    linked: bool


class DropletFact(msgspec.Struct, frozen=True):
    id: int
    status: str
    tags: list[str]
    public_ip: str | None


class RecordFact(msgspec.Struct, frozen=True):
    id: int
    type: str
    name: str
    data: str


class ServiceFacts(msgspec.Struct, frozen=True):
    service: str
    outbox: OutboxFacts
    subscriptions: list[SubscriptionFact] = []
    resources: list[ResourceFact] = []
    droplets: list[DropletFact] = []
    records: list[RecordFact] = []
