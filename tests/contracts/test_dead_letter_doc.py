"""The AsyncAPI document names every reason a record can be dead-lettered with, and only those."""

from __future__ import annotations

from arcadia_contracts.asyncapi import DLQ_HEADERS, DLQ_REASONS, document
from arcadia_contracts.codec import DecodeFailure
from arcadia_platform import consumer, inbound, sagas

# Where the DLQ reasons are defined today; add a module here when one defines more.
REASONS = {
    *(str(reason) for reason in DecodeFailure),
    inbound.TOMBSTONE,
    inbound.OVERSIZE,
    inbound.UNDECODABLE_HEADER,
    inbound.INVALID_ENVELOPE,
    consumer.HANDLER_FAILED,
    consumer.INVALID_EVENT,
    sagas.MISSING_SAGA_ID,
}


def test_the_documented_dead_letter_reasons_are_the_real_ones() -> None:
    assert set(DLQ_REASONS) == REASONS
    described = DLQ_HEADERS["dlq-reason"]
    assert all(f"`{reason}`: " in described for reason in REASONS)
    dead_letter = document()["components"]["messages"]["DeadLetter"]
    assert set(dead_letter["headers"]["properties"]["dlq-reason"]["enum"]) == REASONS
