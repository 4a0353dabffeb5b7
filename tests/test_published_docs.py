"""The guide for platform teams (docs/publishing-to-arcadia.md) and the AsyncAPI document tell the
truth: every DLQ reason is listed, and the complete example is accepted as is."""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace
from uuid import UUID

from arcadia_contracts import topics
from arcadia_contracts.asyncapi import DLQ_REASONS
from arcadia_contracts.codec import REGISTRY, TOPIC_EVENTS
from arcadia_contracts.events.platform import PaymentFailed
from arcadia_platform.inbound import InboundScreen, Rejected
from arcadia_platform.settings import ServiceSettings
from arcadia_testing.plugin import ROOT

GUIDE = ROOT / "docs" / "publishing-to-arcadia.md"


def guide_example() -> dict[str, object]:
    (block,) = re.findall(r"```json\n(.*?)```", GUIDE.read_text(), re.S)
    example: dict[str, object] = json.loads(block)
    return example


def test_the_guide_lists_every_dlq_reason() -> None:
    """DLQ_REASONS is every reason the code writes (tests/contracts/test_dead_letter_doc.py)."""
    listed = set(re.findall(r"^\| `([a-z_]+)` \|", GUIDE.read_text(), re.M))
    assert set(DLQ_REASONS) <= listed


def test_the_guide_names_every_inbound_topic_and_event() -> None:
    text = GUIDE.read_text()
    for topic in topics.INBOUND_TOPICS:
        assert f"`{topic}`" in text
        for event in TOPIC_EVENTS[topic]:
            assert f"`{event.__name__}` v{event.VERSION}" in text


def test_the_guides_example_is_accepted_as_it_is_written() -> None:
    example = guide_example()
    value = json.dumps(example).encode()
    key = str(example["deployment_id"]).encode()
    record = SimpleNamespace(value=value, key=key, headers=[("content-type", b"application/json")])
    screen = InboundScreen(REGISTRY, ServiceSettings().consumer_max_record_bytes)
    event = screen.check(record)
    assert not isinstance(event, Rejected), event
    assert isinstance(event.payload, PaymentFailed)
    assert event.key == key  # the key the guide says to use is the one we would use
    assert event.deployment_id == UUID(str(example["deployment_id"]))
    # ...and the screen can refuse: the same record with a version we do not publish.
    refused = screen.check(
        SimpleNamespace(
            **{**vars(record), "value": value.replace(b'"version": 1', b'"version": 9')}
        )
    )
    assert isinstance(refused, Rejected)
    assert refused.reason == "unsupported_version"


def test_the_guide_points_at_the_served_documents() -> None:
    text = GUIDE.read_text()
    assert "`/asyncapi.json`" in text
    assert "`/asyncapi`" in text
    assert (ROOT / "docs" / "asyncapi.json").exists()
    assert Path(GUIDE).stat().st_size < 20_000  # short, as promised
