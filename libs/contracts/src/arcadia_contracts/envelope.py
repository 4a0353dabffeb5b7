"""The event envelope every Arcadia topic carries, and the base of every event payload."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar
from uuid import UUID, uuid4

import msgspec


class Event(msgspec.Struct, frozen=True, kw_only=True, tag=True, tag_field="type"):
    """A payload. The class name is its type; `VERSION` is the schema version it encodes."""

    VERSION: ClassVar[int] = 1


class Envelope(msgspec.Struct, frozen=True, kw_only=True):
    """Metadata shared by every event; `payload` is the typed fact itself."""

    event_id: UUID
    type: str
    version: int
    occurred_at: datetime
    producer: str
    correlation_id: UUID
    causation_id: UUID | None = None
    saga_id: UUID | None = None
    tenant_id: str
    deployment_id: UUID | None = None
    payload: Event

    @property
    def key(self) -> bytes | None:
        """Kafka key: the deployment id, so one deployment's events stay ordered."""
        return str(self.deployment_id).encode() if self.deployment_id else None


class WireEnvelope(msgspec.Struct, frozen=True, kw_only=True):
    """The envelope as first decoded: the payload is kept raw until its type is known."""

    event_id: UUID
    type: str
    version: int
    occurred_at: datetime
    producer: str
    correlation_id: UUID
    causation_id: UUID | None = None
    saga_id: UUID | None = None
    tenant_id: str
    deployment_id: UUID | None = None
    payload: msgspec.Raw


def envelope(
    payload: Event,
    *,
    producer: str,
    tenant_id: str,
    deployment_id: UUID | None = None,
    saga_id: UUID | None = None,
    caused_by: Envelope | None = None,
    correlation_id: UUID | None = None,
    **overrides: Any,
) -> Envelope:
    """Build an envelope; a reaction to another event inherits its correlation and saga."""
    event_id = uuid4()
    if caused_by is not None:
        correlation = caused_by.correlation_id
        saga_id = saga_id or caused_by.saga_id
    else:
        correlation = correlation_id or event_id
    return Envelope(
        event_id=overrides.pop("event_id", event_id),
        type=type(payload).__name__,
        version=type(payload).VERSION,
        occurred_at=overrides.pop("occurred_at", datetime.now(UTC)),
        producer=producer,
        correlation_id=correlation,
        causation_id=caused_by.event_id if caused_by else None,
        saga_id=saga_id,
        tenant_id=tenant_id,
        deployment_id=deployment_id,
        payload=payload,
        **overrides,
    )
