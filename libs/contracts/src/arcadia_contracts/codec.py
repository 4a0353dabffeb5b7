"""The single encoder/decoder pair for envelopes, and the registry of known event types."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Final, get_args

import msgspec

from arcadia_contracts import topics
from arcadia_contracts.envelope import Envelope, Event, WireEnvelope
from arcadia_contracts.events.billing import BillingEvent
from arcadia_contracts.events.deployments import DeploymentsEvent
from arcadia_contracts.events.inventory import InventoryEvent
from arcadia_contracts.events.platform import PaymentsEvent, TenantsEvent
from arcadia_contracts.events.provisioner import ProvisionerEvent

TOPIC_EVENTS: Final[dict[str, tuple[type[Event], ...]]] = {
    topics.DEPLOYMENTS: get_args(DeploymentsEvent),
    topics.BILLING: get_args(BillingEvent),
    topics.PROVISIONER: get_args(ProvisionerEvent),
    topics.INVENTORY: get_args(InventoryEvent),
    topics.PAYMENTS: get_args(PaymentsEvent),
    topics.TENANTS: get_args(TenantsEvent),
}


class DecodeFailure(StrEnum):
    """Why a message could not become an Envelope; it is the DLQ `reason` header."""

    UNDECODABLE = "undecodable"
    UNKNOWN_TYPE = "unknown_type"
    UNSUPPORTED_VERSION = "unsupported_version"
    INVALID_PAYLOAD = "invalid_payload"


class EventDecodeError(Exception):
    def __init__(self, reason: DecodeFailure, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


class Registry:
    """Maps (type, version) to the payload Struct that decodes it."""

    def __init__(self, events: Iterable[type[Event]]) -> None:
        self._types: dict[str, dict[int, type[Event]]] = {}
        for event in events:
            self._types.setdefault(event.__name__, {})[event.VERSION] = event
        self._payload_decoders = {
            (name, version): msgspec.json.Decoder(event)
            for name, versions in self._types.items()
            for version, event in versions.items()
        }

    def event_types(self) -> list[type[Event]]:
        return [event for versions in self._types.values() for event in versions.values()]

    def decode(self, data: bytes) -> Envelope:
        try:
            wire = _wire_decoder.decode(data)
        except (msgspec.DecodeError, UnicodeDecodeError) as exc:
            raise EventDecodeError(DecodeFailure.UNDECODABLE, str(exc)) from exc
        versions = self._types.get(wire.type)
        if versions is None:
            raise EventDecodeError(DecodeFailure.UNKNOWN_TYPE, f"unknown event type {wire.type!r}")
        if wire.version not in versions:
            raise EventDecodeError(
                DecodeFailure.UNSUPPORTED_VERSION,
                f"{wire.type} version {wire.version} (supported: {sorted(versions)})",
            )
        try:
            payload = self._payload_decoders[(wire.type, wire.version)].decode(wire.payload)
        except msgspec.DecodeError as exc:
            raise EventDecodeError(DecodeFailure.INVALID_PAYLOAD, str(exc)) from exc
        return Envelope(
            event_id=wire.event_id,
            type=wire.type,
            version=wire.version,
            occurred_at=wire.occurred_at,
            producer=wire.producer,
            correlation_id=wire.correlation_id,
            causation_id=wire.causation_id,
            saga_id=wire.saga_id,
            tenant_id=wire.tenant_id,
            deployment_id=wire.deployment_id,
            payload=payload,
        )


_wire_decoder: Final = msgspec.json.Decoder(WireEnvelope)
_encoder: Final = msgspec.json.Encoder()

REGISTRY: Final = Registry({e for events in TOPIC_EVENTS.values() for e in events})


def encode(envelope: Envelope) -> bytes:
    return _encoder.encode(envelope)


def decode(data: bytes) -> Envelope:
    """Decode any known event; raises EventDecodeError with a DLQ-ready reason."""
    return REGISTRY.decode(data)
