"""The AsyncAPI document names every reason a record can be dead-lettered with, and only those."""

from __future__ import annotations

import re

from arcadia_contracts.asyncapi import DLQ_HEADERS
from arcadia_contracts.codec import DecodeFailure
from arcadia_platform import consumer, inbound

# Where the DLQ reasons are defined today; add a module here when one defines more.
REASONS = {
    *(str(reason) for reason in DecodeFailure),
    inbound.TOMBSTONE,
    inbound.OVERSIZE,
    inbound.UNDECODABLE_HEADER,
    inbound.INVALID_ENVELOPE,
    consumer.HANDLER_FAILED,
    consumer.INVALID_EVENT,
}


def test_the_documented_dead_letter_reasons_are_the_real_ones() -> None:
    documented = set(re.findall(r"`([a-z_]+)`", DLQ_HEADERS["dlq-reason"]))
    assert documented == REASONS
