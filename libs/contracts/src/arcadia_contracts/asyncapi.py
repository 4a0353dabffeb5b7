"""The AsyncAPI 3 document of every topic we publish or accept, built from TOPIC_EVENTS."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any, Final

import msgspec

from arcadia_contracts import topics
from arcadia_contracts.codec import TOPIC_EVENTS
from arcadia_contracts.envelope import Envelope, Event

ASYNCAPI_FILE: Final = Path(__file__).resolve().parents[4] / "docs" / "asyncapi.json"
KAFKA_BINDING: Final = "0.5.0"
SCHEMAS: Final = "#/components/schemas/"

JsonObject = dict[str, Any]

# Every `dlq-reason` a consumer writes, and why (tests/contracts/test_dead_letter_doc.py keeps it equal
# to the reasons in arcadia_platform: inbound.py, the codec's DecodeFailure, consumer.py, sagas.py).
DLQ_REASONS: Final = {
    "tombstone": "The value is null; every event has a body.",
    "oversize": "Key, value and headers together exceed the consumer's record limit.",
    "undecodable_header": "A header value is not UTF-8 text.",
    "undecodable": "The value is not JSON.",
    "invalid_envelope": "JSON, but not an envelope: a field missing or of the wrong type.",
    "unknown_type": "No event of this `type` is published on any topic.",
    "unsupported_version": "The `type` is known, but not at this `version`.",
    "invalid_payload": "The `payload` does not match the schema of its type and version.",
    "invalid_event": "Well-formed, but breaks a rule of the contract that the handler checks "
    "(e.g. a payment with a non-positive amount or a currency billing does not price in). "
    "Not retried.",
    "missing_saga_id": "An event of a saga step without `saga_id`. Not retried.",
    "handler_failed": "The handler still raised after its bounded retries with backoff.",
}
# What `arcadia_platform.dlq` adds to the original record's headers on a dead-letter copy.
DLQ_HEADERS: Final = {
    "dlq-reason": "Why: one of "
    + "; ".join(f"`{reason}`: {why}" for reason, why in DLQ_REASONS.items()),
    "dlq-detail": "The error, shortened.",
    "dlq-consumer": "The consumer group that gave up on the record.",
    "dlq-origin-topic": "Where the record was read.",
    "dlq-origin-partition": "Its partition.",
    "dlq-origin-offset": "Its offset.",
    "dlq-omitted": "`value,headers` when the original was too large to copy.",
}
# What the outbox relay sets on every record it publishes; inbound publishers may set them.
EVENT_HEADERS: Final = {
    "content-type": "application/json",
    "event-type": "The envelope's `type`.",
    "event-version": "The envelope's `version`.",
    "event-id": "The envelope's `event_id`.",
}
DESCRIPTIONS: Final = {
    topics.DEPLOYMENTS: "Published by the api (gateway): deployment lifecycle and saga commands.",
    topics.BILLING: "Published by billing: subscriptions and its saga step.",
    topics.PROVISIONER: "Published by the provisioner: droplets and DNS.",
    topics.INVENTORY: "Published by inventory: cloud resources and their links.",
    topics.PAYMENTS: "Inbound: the payments service publishes here; billing consumes.",
    topics.TENANTS: "Inbound: the tenants service publishes here; billing and the api consume.",
}


def channel_id(topic: str) -> str:
    """`arcadia.deployments.v1` -> `deployments`; a dead-letter topic gets a `-dlq` suffix."""
    base = topic.removesuffix(topics.DLQ_SUFFIX)
    name = base.split(".")[1]
    return f"{name}-dlq" if base != topic else name


def _headers(described: dict[str, str]) -> JsonObject:
    properties: JsonObject = {
        name: {"type": "string", "description": text} for name, text in described.items()
    }
    if "dlq-reason" in properties:
        properties["dlq-reason"]["enum"] = list(DLQ_REASONS)
    return {"type": "object", "properties": properties}


def _key() -> JsonObject:
    return {
        "key": {
            "type": "string",
            "format": "uuid",
            "description": "The deployment id; none when the event has none.",
        },
        "bindingVersion": KAFKA_BINDING,
    }


def _envelope_of(event: type[Event], envelope: JsonObject) -> JsonObject:
    """The envelope schema narrowed to one event: its type, version and payload."""
    properties = dict(envelope["properties"])
    properties["type"] = {"const": event.__name__}
    properties["version"] = {"const": event.VERSION}
    properties["payload"] = {"$ref": SCHEMAS + event.__name__}
    return {**envelope, "title": f"{event.__name__} envelope", "properties": properties}


def _message(event: type[Event]) -> JsonObject:
    own = event.__dict__.get("__doc__")  # not Event's docstring, which every event inherits
    # the docstring's first paragraph, on one line
    summary = " ".join(inspect.cleandoc(own).split("\n\n")[0].split()) if own else event.__name__
    return {
        "name": event.__name__,
        "title": f"{event.__name__} v{event.VERSION}",
        "summary": summary,
        "contentType": "application/json",
        "headers": _headers(EVENT_HEADERS),
        "payload": {"$ref": f"{SCHEMAS}{event.__name__}Envelope"},
        "bindings": {"kafka": _key()},
    }


def _dead_letter() -> JsonObject:
    return {
        "name": "DeadLetter",
        "title": "Dead letter",
        "summary": "A record a consumer could not handle: the original value and key, unchanged.",
        "headers": _headers(DLQ_HEADERS),
        "payload": {"description": "The original record's value, as it was (maybe not JSON)."},
        "bindings": {"kafka": _key()},
    }


def _channels() -> tuple[JsonObject, JsonObject]:
    channels: JsonObject = {}
    operations: JsonObject = {}
    for topic, events in sorted(TOPIC_EVENTS.items()):
        ours = topic in topics.OWN_TOPICS
        for address in (topic, topics.dlq(topic)):
            cid = channel_id(address)
            names = sorted(e.__name__ for e in events) if address == topic else ["DeadLetter"]
            channels[cid] = {
                "address": address,
                "description": DESCRIPTIONS[topic]
                if address == topic
                else f"Dead letters of {topic}.",
                "messages": {n: {"$ref": f"#/components/messages/{n}"} for n in names},
                "bindings": {"kafka": {"topic": address, "bindingVersion": KAFKA_BINDING}},
            }
            # Arcadia sends on its own topics and every DLQ; it receives the inbound topics.
            action = "send" if ours or address != topic else "receive"
            operations[f"{action}-{cid}"] = {
                "action": action,
                "channel": {"$ref": f"#/channels/{cid}"},
                "messages": [{"$ref": f"#/channels/{cid}/messages/{n}"} for n in names],
            }
    return channels, operations


def document() -> JsonObject:
    events = sorted({e for es in TOPIC_EVENTS.values() for e in es}, key=lambda e: e.__name__)
    (envelope, *_), schemas = msgspec.json.schema_components(
        [Envelope, *events], ref_template=SCHEMAS + "{name}"
    )
    generic = schemas[envelope["$ref"].removeprefix(SCHEMAS)]
    for event in events:
        schemas[f"{event.__name__}Envelope"] = _envelope_of(event, generic)
    messages = {e.__name__: _message(e) for e in events} | {"DeadLetter": _dead_letter()}
    channels, operations = _channels()
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Arcadia Cloud events",
            "version": "1.0.0",
            "description": "Every Kafka topic of the Arcadia control plane. Key: the deployment "
            "id. Value: a JSON envelope whose `payload` is the event named by `type`/`version`. "
            "A record that cannot be handled is copied to `<topic>.dlq` with its reason.",
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {"schemas": schemas, "messages": messages},
    }
