"""The envelope codec: round trips, evolution rules, and the reasons it gives for bad input."""

from __future__ import annotations

from uuid import uuid4

import msgspec
import pytest

from arcadia_contracts import DecodeFailure, EventDecodeError, decode, encode, envelope
from arcadia_contracts.codec import REGISTRY, TOPIC_EVENTS
from arcadia_contracts.events.deployments import (
    AddonRequest,
    DeploymentProvisioningRequested,
    DeploymentStateChanged,
)
from arcadia_contracts.schema import SCHEMA_FILE, render
from arcadia_contracts.topics import ALL_TOPICS, dlq


def sample() -> bytes:
    event = envelope(
        DeploymentProvisioningRequested(
            slug="shop",
            region="fra1",
            size="s-1vcpu-1gb",
            plan_code="studio",
            addons=(AddonRequest(code="storage_50gb", quantity=2),),
        ),
        producer="api",
        tenant_id="acme",
        deployment_id=uuid4(),
        saga_id=uuid4(),
    )
    return encode(event)


def test_an_envelope_survives_a_round_trip() -> None:
    data = sample()
    decoded = decode(data)
    assert encode(decoded) == data
    assert isinstance(decoded.payload, DeploymentProvisioningRequested)
    assert decoded.payload.addons[0].quantity == 2


def test_a_reaction_inherits_correlation_and_saga_and_names_its_cause() -> None:
    cause = decode(sample())
    reaction = envelope(
        DeploymentStateChanged(from_state=None, to_state="active", actor="system"),
        producer="api",
        tenant_id="acme",
        caused_by=cause,
    )
    assert reaction.correlation_id == cause.correlation_id
    assert reaction.saga_id == cause.saga_id
    assert reaction.causation_id == cause.event_id


def test_unknown_fields_are_ignored_so_producers_can_add_fields() -> None:
    raw = msgspec.json.decode(sample())
    raw["new_envelope_field"] = 1
    raw["payload"]["new_payload_field"] = "x"
    decoded = decode(msgspec.json.encode(raw))
    assert decoded.type == "DeploymentProvisioningRequested"


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda raw: b"\x00\x01garbage", DecodeFailure.UNDECODABLE),
        (lambda raw: {**raw, "type": "NoSuchEvent"}, DecodeFailure.UNKNOWN_TYPE),
        (lambda raw: {**raw, "version": 2}, DecodeFailure.UNSUPPORTED_VERSION),
        (lambda raw: {**raw, "payload": {"type": raw["type"]}}, DecodeFailure.INVALID_PAYLOAD),
        (lambda raw: {k: v for k, v in raw.items() if k != "event_id"}, DecodeFailure.UNDECODABLE),
    ],
)
def test_bad_messages_are_refused_with_a_reason(mutate: object, reason: DecodeFailure) -> None:
    raw = msgspec.json.decode(sample())
    mutated = mutate(raw)  # type: ignore[operator]
    data = mutated if isinstance(mutated, bytes) else msgspec.json.encode(mutated)
    with pytest.raises(EventDecodeError) as caught:
        decode(data)
    assert caught.value.reason is reason


def test_every_topic_has_a_dead_letter_twin() -> None:
    for topic in TOPIC_EVENTS:
        assert topic in ALL_TOPICS
        assert dlq(topic) in ALL_TOPICS


def test_every_event_type_is_registered_under_its_version() -> None:
    names = {event.__name__ for events in TOPIC_EVENTS.values() for event in events}
    assert names == {event.__name__ for event in REGISTRY.event_types()}


def test_the_published_json_schema_is_current() -> None:
    assert SCHEMA_FILE.read_text() == render(), "run: uv run python -m arcadia_contracts.schema"
