"""Outbound poison: which publish failures park an outbox row, and the operators' view of parked rows.

A parked row stays in the outbox (nothing is lost), is skipped by the relay, and holds back only
the later rows of its own (topic, key), so per-key order survives and every other key flows.
Releasing it makes the relay try it again; if it still cannot be published it is parked again.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec
from aiokafka.errors import (
    InvalidTopicError,
    KafkaError,
    MessageSizeTooLargeError,
    RecordListTooLargeError,
    RecordTooLargeError,
)

from arcadia_platform.db import Connection

# Errors that say "this record can never be accepted", whatever the state of the cluster: the
# record (or its topic's name) is the culprit, so retrying it only blocks the rows behind it.
# Everything else -- not leader, request timed out, broker unavailable, connection lost, a stopped
# producer, authorization (a cluster setting, not a property of the row) -- is transient: the
# batch is retried in order, with backoff. Unknown errors count as transient on purpose: parking
# a healthy row by mistake would reorder its key, while retrying is what the relay always did.
PERMANENT_KAFKA_ERRORS: tuple[type[BaseException], ...] = (
    MessageSizeTooLargeError,  # the producer's own size check, or the broker's message.max.bytes
    RecordTooLargeError,
    RecordListTooLargeError,  # a batch larger than the topic's segment
    InvalidTopicError,  # an illegal topic name (the row's topic column)
)


def is_permanent(exc: BaseException) -> bool:
    """Whether publishing the row that raised `exc` can never succeed as it is."""
    if isinstance(exc, PERMANENT_KAFKA_ERRORS):
        return True
    # Building the record from a row that is not what the relay expects (bad headers JSON, a
    # value of the wrong type) is a property of the row too; a Kafka error never is one of these.
    return isinstance(exc, ValueError | TypeError) and not isinstance(exc, KafkaError)


def park_reason(exc: BaseException) -> str:
    """What an operator reads in `park_reason`: the error's class and its message, bounded."""
    return f"{type(exc).__name__}: {exc}"[:1000]


class ParkedRow(msgspec.Struct, frozen=True, kw_only=True):
    """A parked outbox row, without its value (which may be the very thing that is too large)."""

    id: int
    event_id: UUID
    topic: str
    key: str | None
    event_type: str | None
    value_bytes: int
    created_at: datetime
    parked_at: datetime
    park_reason: str | None
    park_count: int
    # Later rows of the same (topic, key) that wait behind this one.
    waiting: int


class ParkedRows(msgspec.Struct, frozen=True, kw_only=True):
    items: list[ParkedRow]


async def list_parked(conn: Connection, *, limit: int = 100) -> list[ParkedRow]:
    """Parked rows, oldest first, with how many rows of their key wait behind each."""
    rows = await conn.fetch(
        """SELECT o.id, o.event_id, o.topic, o.key, o.headers->>'event-type' AS event_type,
                  octet_length(o.value) AS value_bytes, o.created_at, o.parked_at,
                  o.park_reason, o.park_count,
                  (SELECT count(*) FROM outbox w
                    WHERE w.sent_at IS NULL AND w.topic = o.topic AND w.key = o.key
                      AND w.id > o.id) AS waiting
             FROM outbox o
            WHERE o.parked_at IS NOT NULL AND o.sent_at IS NULL
            ORDER BY o.id
            LIMIT $1""",
        limit,
    )
    return [
        ParkedRow(
            id=r["id"],
            event_id=r["event_id"],
            topic=r["topic"],
            key=_key_text(r["key"]),
            event_type=r["event_type"],
            value_bytes=r["value_bytes"],
            created_at=r["created_at"],
            parked_at=r["parked_at"],
            park_reason=r["park_reason"],
            park_count=r["park_count"],
            waiting=r["waiting"],
        )
        for r in rows
    ]


async def count_parked(conn: Connection) -> int:
    """How many rows are parked now (the gauge operators alert on)."""
    found: int = await conn.fetchval(
        "SELECT count(*) FROM outbox WHERE parked_at IS NOT NULL AND sent_at IS NULL"
    )
    return found


async def release_parked(conn: Connection, row_id: int) -> bool:
    """Let the relay try a parked row again; False if no such row is parked."""
    released = await conn.fetchval(
        "UPDATE outbox SET parked_at = NULL, released_at = clock_timestamp()"
        " WHERE id = $1 AND parked_at IS NOT NULL AND sent_at IS NULL RETURNING id",
        row_id,
    )
    return released is not None


def _key_text(key: bytes | None) -> str | None:
    # Keys are deployment ids (UTF-8 text); anything else is shown escaped rather than refused.
    return None if key is None else key.decode("utf-8", errors="backslashreplace")
