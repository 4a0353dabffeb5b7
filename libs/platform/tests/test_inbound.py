"""Unit tests of the inbound screen, the FastStream parser/decoder that cannot raise, and the DLQ."""

from __future__ import annotations

from typing import Any

import pytest
from aiokafka import ConsumerRecord
from aiokafka.errors import KafkaConnectionError, MessageSizeTooLargeError
from faststream.kafka.message import KafkaAckableMessage
from faststream.kafka.parser import AioKafkaBatchParser

from arcadia_contracts import encode, envelope
from arcadia_contracts.codec import REGISTRY
from arcadia_contracts.events.platform import PaymentFailed
from arcadia_platform.consumer import InboxConsumer, RetryPolicy, Routes
from arcadia_platform.dlq import DeadLetters, safe_detail
from arcadia_platform.inbound import (
    InboundScreen,
    Rejected,
    raw_batch_decoder,
    safe_batch_parser,
)
from arcadia_platform.outbox import Outbox

PAYMENT = envelope(
    PaymentFailed(payment_id="pay-1", amount_cents=1200, reason="card declined"),
    producer="payments",
    tenant_id="acme",
)
VALID = encode(PAYMENT)


def record(
    value: bytes | None,
    headers: list[tuple[str, bytes | None]] | None = None,
    offset: int = 0,
    key: bytes | None = b"k",
) -> ConsumerRecord[bytes, bytes]:
    return ConsumerRecord(
        topic="platform.payments.v1",
        partition=1,
        offset=offset,
        timestamp=0,
        timestamp_type=0,
        key=key,
        value=value,
        checksum=None,
        serialized_key_size=len(key or b""),
        serialized_value_size=len(value) if value is not None else -1,
        headers=headers or [],  # Kafka allows a null header value
    )


SCREEN = InboundScreen(REGISTRY, max_record_bytes=2048)


@pytest.mark.parametrize(
    ("value", "headers", "reason"),
    [
        (None, [], "tombstone"),
        (b"x" * 2049, [], "oversize"),
        (b"x" * 100, [("big", b"y" * 2000)], "oversize"),  # headers count too
        (VALID, [("traceparent", b"\xff\xfe")], "undecodable_header"),
        (b"\x00\xffnot json", [], "undecodable"),
        (b"", [], "undecodable"),
        (b'{"hello": "world"}', [], "invalid_envelope"),
        (b"[1, 2, 3]", [], "invalid_envelope"),
        (VALID.replace(b'"type":"PaymentFailed"', b'"type":"Nope"', 1), [], "unknown_type"),
        (VALID.replace(b'"version":1', b'"version":7', 1), [], "unsupported_version"),
        (VALID.replace(b'"payment_id":"pay-1"', b'"payment_id":5', 1), [], "invalid_payload"),
    ],
)
def test_the_screen_names_why_a_record_is_refused(
    value: bytes | None, headers: list[tuple[str, bytes | None]], reason: str
) -> None:
    result = SCREEN.check(record(value, headers))

    assert isinstance(result, Rejected)
    assert result.reason == reason
    assert result.detail


def test_the_screen_passes_a_valid_event_even_with_a_null_header_value() -> None:
    result = SCREEN.check(record(VALID, [("x-null", None), ("content-type", b"text/plain")]))

    assert not isinstance(result, Rejected)
    assert result.event_id == PAYMENT.event_id


async def test_the_batch_parser_survives_headers_faststream_cannot_decode() -> None:
    faststream = AioKafkaBatchParser(msg_class=KafkaAckableMessage, regex=None)
    records = (
        record(VALID, [("traceparent", b"\xff\xfe")], offset=0),
        record(VALID, [("x-null", None)], offset=1),
        record(VALID, [("event-type", b"PaymentFailed")], offset=2),
    )

    message = await safe_batch_parser(records, faststream.parse_batch)

    assert message.raw_message is records  # the originals, for the screen and the DLQ
    assert records[0].headers == [("traceparent", b"\xff\xfe")]
    assert message.batch_headers[2] == {"event-type": "PaymentFailed"}
    assert await raw_batch_decoder(message) == list(records)


class FakeProducer:
    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.sent: list[dict[str, Any]] = []

    async def send_and_wait(self, topic: str, **kwargs: Any) -> None:
        if self.errors:
            raise self.errors.pop(0)
        self.sent.append({"topic": topic, **kwargs})


async def test_a_dead_letter_too_large_for_kafka_is_sent_without_its_value() -> None:
    producer = FakeProducer(MessageSizeTooLargeError())
    dead_letters = DeadLetters(producer, "billing")

    await dead_letters.send(record(b"v" * 10, [("h", b"x")], offset=7), "oversize", "too big")

    (sent,) = producer.sent
    headers = dict(sent["headers"])
    assert sent["topic"] == "platform.payments.v1.dlq"
    assert sent["value"] is None
    assert headers["dlq-omitted"] == b"value,headers"
    assert headers["dlq-reason"] == b"oversize"
    assert headers["dlq-origin-offset"] == b"7"
    assert "h" not in headers


async def test_a_dead_letter_the_broker_refuses_for_another_reason_raises() -> None:
    producer = FakeProducer(KafkaConnectionError())
    dead_letters = DeadLetters(producer, "billing")

    with pytest.raises(KafkaConnectionError):
        await dead_letters.send(record(b"v"), "undecodable", "bad bytes")
    assert producer.sent == []


def test_a_detail_quoting_bad_input_can_still_be_stored_and_sent() -> None:
    detail = safe_detail("bad \x00 and \ud800 and " + "x" * 5000)

    assert "\x00" not in detail
    assert "\\x00" in detail
    assert "\\ud800" in detail
    assert len(detail) <= 2000 + 20  # cut short, escapes excepted
    detail.encode("utf-8")  # a header value; raises if a surrogate were left


async def test_a_dead_letter_whose_detail_is_not_utf8_safe_is_sent_escaped() -> None:
    producer = FakeProducer()
    dead_letters = DeadLetters(producer, "billing")

    await dead_letters.send(record(b"v"), "handler_failed", "ValueError: \ud800\x00")

    (sent,) = producer.sent
    assert dict(sent["headers"])["dlq-detail"] == b"ValueError: \\ud800\\x00"


class DownPool:
    """A pool whose database is unreachable."""

    def acquire(self) -> Any:
        raise OSError("connection refused")


async def test_a_bad_record_met_while_the_database_is_down_is_redelivered_not_lost() -> None:
    producer = FakeProducer()
    consumer = InboxConsumer(
        name="billing",
        pool=DownPool(),  # type: ignore[arg-type]
        routes=Routes(),
        outbox=Outbox(),
        dead_letters=DeadLetters(producer, "billing"),
        retry=RetryPolicy(max_attempts=1, backoff_base_s=0, backoff_max_s=0),
    )

    with pytest.raises(OSError, match="connection refused"):  # the batch is sought back
        await consumer.process(record(b"\x00\xffnot json"))
    assert producer.sent == []  # no DLQ copy that the position ledger does not know of
