"""Screening of inbound Kafka records before the inbox: each failure is one record's DLQ reason.

FastStream's batch parser decodes every header of every record as UTF-8 and its decoder parses
every value by content type; one bad record made it raise before our handler saw the batch, and
the whole batch was dropped. So the subscriber gets a parser and a decoder that cannot raise
(`safe_batch_parser`, `raw_batch_decoder`), and every check a record can fail happens here, per
record, where a failure dead-letters that record alone.

Not covered: a header *key* that is not UTF-8 fails inside aiokafka's record reader, before
FastStream or this module sees the batch, and stops the consumer (Java clients cannot write one;
librdkafka can).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import msgspec

from arcadia_contracts import Envelope, EventDecodeError
from arcadia_contracts.codec import DecodeFailure, Registry

# DLQ reasons (the `dlq-reason` header) of a record refused before the inbox. The codec's own
# reasons (undecodable, unknown_type, unsupported_version, invalid_payload) are used as they are.
TOMBSTONE: Final = "tombstone"
OVERSIZE: Final = "oversize"
UNDECODABLE_HEADER: Final = "undecodable_header"
INVALID_ENVELOPE: Final = "invalid_envelope"


@dataclass(frozen=True)
class Rejected:
    """Why a record never reached the inbox: the DLQ reason and a human-readable detail."""

    reason: str
    detail: str


def record_size(record: Any) -> int:
    """Bytes of key, value and headers: what the record costs to hold, parse and copy."""
    size = len(record.key or b"") + len(record.value or b"")
    for key, value in record.headers or ():
        size += len(key) + len(value or b"")
    return size


def _is_text(value: bytes | None) -> bool:
    if value is None:
        return False
    try:
        value.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def undecodable_header(record: Any) -> str | None:
    """The name of the first header whose value is not UTF-8 text, if any.

    A null value is accepted: Kafka allows it, and it carries no text to misread.
    """
    for key, value in record.headers or ():
        if value is not None and not _is_text(value):
            return str(key)
    return None


class InboundScreen:
    """Turns a raw record into an Envelope, or says why it cannot be one (never raises)."""

    def __init__(self, registry: Registry, max_record_bytes: int) -> None:
        self._registry = registry
        self._max_record_bytes = max_record_bytes

    def check(self, record: Any) -> Envelope | Rejected:
        if record.value is None:
            return Rejected(TOMBSTONE, "null value (tombstone); every event has a body")
        size = record_size(record)
        if size > self._max_record_bytes:
            return Rejected(
                OVERSIZE, f"record is {size} bytes; the maximum is {self._max_record_bytes}"
            )
        header = undecodable_header(record)
        if header is not None:
            return Rejected(UNDECODABLE_HEADER, f"header {header!r} is not UTF-8")
        try:
            return self._registry.decode(record.value)
        except EventDecodeError as exc:
            if exc.reason is DecodeFailure.UNDECODABLE and isinstance(
                exc.__cause__, msgspec.ValidationError
            ):
                # Valid JSON of the wrong shape: a different mistake from bytes that are not JSON.
                return Rejected(INVALID_ENVELOPE, exc.detail)
            return Rejected(str(exc.reason), exc.detail)
        except Exception as exc:  # whatever else the codec trips on is this record's fault
            return Rejected(str(DecodeFailure.UNDECODABLE), f"{type(exc).__name__}: {exc}")


def _framework_view(record: Any) -> Any:
    """A copy FastStream can parse: header values that are null or not UTF-8 become empty."""
    headers: Sequence[tuple[str, bytes | None]] = record.headers or ()
    if all(_is_text(value) for _, value in headers):
        return record
    safe = [(key, value if _is_text(value) else b"") for key, value in headers]
    return dataclasses.replace(record, headers=safe)


async def safe_batch_parser(
    records: tuple[Any, ...], original: Callable[[tuple[Any, ...]], Awaitable[Any]]
) -> Any:
    """FastStream batch parser that cannot fail on a record's headers.

    FastStream's own parser builds the message (so acknowledgement keeps using its consumer), fed
    a copy whose headers it can decode; `raw_message` is then set back to the original records,
    untouched, because those are what the screen checks and what the DLQ copies.
    """
    message = await original(tuple(_framework_view(record) for record in records))
    message.raw_message = records
    return message


async def raw_batch_decoder(message: Any) -> list[Any]:
    """FastStream batch decoder that decodes nothing: the handler reads the raw records."""
    raw = message.raw_message
    return list(raw) if isinstance(raw, tuple) else [raw]
