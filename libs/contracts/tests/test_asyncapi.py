"""The AsyncAPI document: every topic a channel, every message's schema, every reference whole."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

# jsonschema_rs comes with schemathesis (the dev group): a real validator, not a hand-rolled one.
import jsonschema_rs
import msgspec
import pytest

from arcadia_contracts import encode, envelope, topics
from arcadia_contracts.asyncapi import ASYNCAPI_FILE, document
from arcadia_contracts.codec import TOPIC_EVENTS
from arcadia_contracts.events.deployments import (
    AddonRequest,
    DeploymentProvisioningRequested,
    ProvisioningAborted,
)
from arcadia_contracts.events.platform import PaymentFailed
from arcadia_contracts.schema import outputs


def refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs(item)


def resolve(doc: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = doc
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def test_the_committed_document_is_current() -> None:
    assert ASYNCAPI_FILE.read_text() == outputs()[ASYNCAPI_FILE], (
        "run: python -m arcadia_contracts.schema"
    )


def test_every_topic_and_its_dead_letter_twin_is_one_channel() -> None:
    addresses = [channel["address"] for channel in document()["channels"].values()]
    assert sorted(addresses) == sorted(topics.ALL_TOPICS)


def test_each_channel_carries_exactly_the_declared_events() -> None:
    for channel in document()["channels"].values():
        declared = TOPIC_EVENTS.get(channel["address"])
        expected = {e.__name__ for e in declared} if declared else {"DeadLetter"}
        assert set(channel["messages"]) == expected, channel["address"]


def test_we_send_on_our_topics_and_receive_the_inbound_ones() -> None:
    doc = document()
    actions = {
        resolve(doc, op["channel"]["$ref"])["address"]: op["action"]
        for op in doc["operations"].values()
    }
    assert {t for t, action in actions.items() if action == "receive"} == set(topics.INBOUND_TOPICS)
    assert len(actions) == len(topics.ALL_TOPICS)


def test_every_reference_resolves() -> None:
    doc = document()
    found = list(refs(doc))
    assert len(found) > len(TOPIC_EVENTS)
    for ref in found:
        assert resolve(doc, ref) is not None


@pytest.mark.parametrize(
    "payload",
    [
        DeploymentProvisioningRequested(
            slug="shop", region="fra1", size="s-1vcpu-1gb", addons=(AddonRequest(code="x"),)
        ),
        ProvisioningAborted(failed_step="create_droplet", reason="quota"),
        PaymentFailed(payment_id="p1", amount_cents=100, reason="declined"),
    ],
)
def test_a_real_envelope_matches_its_message_schema(payload: Any) -> None:
    doc = document()
    name = type(payload).__name__
    schema = {**doc["components"]["messages"][name]["payload"], "components": doc["components"]}
    validator = jsonschema_rs.validator_for(schema)
    wire = msgspec.json.decode(
        encode(envelope(payload, producer="api", tenant_id="acme", deployment_id=uuid4()))
    )
    assert validator.is_valid(wire)
    assert not validator.is_valid({**wire, "type": "SomethingElse"})
    assert not validator.is_valid({**wire, "payload": {"type": name}})


def test_the_document_is_valid_asyncapi_3() -> None:
    spec = json.loads((Path(__file__).parent / "data" / "asyncapi-3.0.0.schema.json").read_text())
    validator = jsonschema_rs.validator_for(spec)
    doc = json.loads(ASYNCAPI_FILE.read_text())
    errors = [f"{e.instance_path}: {e.message[:200]}" for e in validator.iter_errors(doc)]
    assert errors == []
    doc["operations"]["send-billing"]["action"] = "publish"  # AsyncAPI 2's word, not 3's
    assert not validator.is_valid(doc)
