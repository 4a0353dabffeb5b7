"""Which publish failures park an outbox row (pure: aiokafka's error classes, no broker)."""

from __future__ import annotations

import asyncio
import json

import pytest
from aiokafka.errors import (
    InvalidTopicError,
    KafkaConnectionError,
    KafkaTimeoutError,
    MessageSizeTooLargeError,
    NoBrokersAvailable,
    NotLeaderForPartitionError,
    OutOfOrderSequenceNumber,
    ProducerClosed,
    RecordListTooLargeError,
    RecordTooLargeError,
    RequestTimedOutError,
    TopicAuthorizationFailedError,
)

from arcadia_platform.outbox_parking import is_permanent, park_reason


@pytest.mark.parametrize(
    "exc",
    [
        MessageSizeTooLargeError("1300000 bytes"),
        RecordTooLargeError(),
        RecordListTooLargeError(),
        InvalidTopicError(),
        json.JSONDecodeError("bad headers", "{", 0),
        TypeError("value must be bytes"),
    ],
)
def test_errors_about_the_row_itself_are_permanent(exc: BaseException) -> None:
    assert is_permanent(exc)


@pytest.mark.parametrize(
    "exc",
    [
        NotLeaderForPartitionError(),
        RequestTimedOutError(),
        KafkaConnectionError(),
        NoBrokersAvailable(),
        KafkaTimeoutError(),
        ProducerClosed(),
        OutOfOrderSequenceNumber(),
        TopicAuthorizationFailedError(),
        TimeoutError(),
        asyncio.CancelledError(),
        RuntimeError("anything else"),
    ],
)
def test_errors_about_the_cluster_are_transient(exc: BaseException) -> None:
    assert not is_permanent(exc)


def test_the_park_reason_names_the_error_and_is_bounded() -> None:
    reason = park_reason(MessageSizeTooLargeError("x" * 5000))
    assert reason.startswith("MessageSizeTooLargeError: ")
    assert len(reason) == 1000
