"""Transactional outbox: events are written in the caller's transaction and relayed to Kafka.

Ordering: one relay publishes at a time (a transaction-scoped advisory lock), a batch is
acknowledged by Kafka before the next is read, and the producer is idempotent with acks=all, so
events with one key reach Kafka in the order their transactions wrote them. `FOR UPDATE SKIP
LOCKED` alone would let two relays publish one key's events out of order, so several relays are
safe (no duplicates beyond at-least-once, no reordering) but take turns.

Poison: an event too large for the producer is refused when it is written (`EventTooLargeError`).
A row that fails for a permanent reason anyway is parked (see outbox_parking.py) and holds back
only its own key; rows Kafka acknowledged are marked sent even when another row of their batch
failed, so nothing is published again and again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer

from arcadia_contracts import Envelope, encode
from arcadia_platform.backoff import Backoff
from arcadia_platform.db import Connection
from arcadia_platform.faults import NO_FAULTS, CrashPoints
from arcadia_platform.logs import get_logger
from arcadia_platform.outbox_parking import is_permanent, park_reason
from arcadia_platform.topicnames import TopicNames
from arcadia_platform.tracing import trace_headers

log = get_logger(__name__)
RELAY_LOCK_KEY = 0x0A2C0B0C
# Between relay attempts while the broker or database is down.
_RELAY_BACKOFF = Backoff(base_s=0.1, max_s=5.0)
# aiokafka's own default `max_request_size`, and the broker's default message.max.bytes (~1 MiB).
DEFAULT_MAX_REQUEST_BYTES = 1_048_576
# What a produce request carries besides the event's encoded value: the record batch header
# (61 bytes), the record's framing (~20), its key (a 36-byte UUID) and headers (~150 today, room
# for tracing headers added later). Generous on purpose: refusing an event a little early is
# harmless, accepting one that can never be sent parks it.
RECORD_HEADROOM_BYTES = 4_096

# Unsent rows that are not parked and not behind a parked row of their (topic, key). A row with
# no key has no order to keep, so nothing waits behind it. The relay's turn (the advisory lock)
# is taken in the same round trip, once (an init plan): no rows if another relay holds it.
READY_ROWS = """
WITH turn AS (SELECT pg_try_advisory_xact_lock($2) AS ours)
SELECT o.id, o.topic, o.key, o.value, o.headers::text AS headers
  FROM outbox o
 WHERE (SELECT ours FROM turn) AND o.sent_at IS NULL AND o.parked_at IS NULL
   AND NOT EXISTS (
        SELECT 1 FROM outbox p
         WHERE p.parked_at IS NOT NULL AND p.sent_at IS NULL
           AND p.topic = o.topic AND p.key = o.key AND p.id < o.id)
 ORDER BY o.id
 LIMIT $1
"""


class EventTooLargeError(ValueError):
    """An event whose encoding the Kafka producer could never send; nothing of it was written."""

    def __init__(self, topic: str, event_type: str, size: int, limit: int) -> None:
        super().__init__(
            f"{event_type} for {topic} is {size} bytes encoded; at most {limit} can be published"
        )
        self.topic = topic
        self.event_type = event_type
        self.size = size
        self.limit = limit


def event_headers(event: Envelope) -> list[tuple[str, bytes]]:
    return [
        ("content-type", b"application/json"),
        ("event-type", event.type.encode()),
        ("event-version", str(event.version).encode()),
        ("event-id", str(event.event_id).encode()),
    ]


class Outbox:
    """Writes events in the caller's transaction; `notify()` after commit wakes the relay."""

    def __init__(
        self,
        topic_names: TopicNames | None = None,
        *,
        max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES,
    ) -> None:
        self.wakeup = asyncio.Event()
        self._names = topic_names or TopicNames()
        # The same setting as the producer's max_request_size, less what the record adds.
        self.max_event_bytes = max_request_bytes - RECORD_HEADROOM_BYTES
        # Rows handed to add_many so far: a consumer wakes the relay only if its handler wrote.
        self.written = 0

    async def add(self, conn: Connection, topic: str, *events: Envelope) -> None:
        await self.add_many(conn, ((topic, event) for event in events))

    async def add_many(self, conn: Connection, items: Iterable[tuple[str, Envelope]]) -> None:
        """Insert the events; `EventTooLargeError` (before any insert) if one could never be sent.

        Each row's headers carry the current span's `traceparent`: the relay publishes them as
        they are, so the consumer continues this trace however late the row is sent."""
        rows = []
        trace = trace_headers()
        for topic, event in items:
            value = encode(event)
            if len(value) > self.max_event_bytes:
                raise EventTooLargeError(topic, event.type, len(value), self.max_event_bytes)
            rows.append(
                (
                    event.event_id,
                    self._names.physical(topic),
                    event.key,
                    value,
                    json.dumps({**{k: v.decode() for k, v in event_headers(event)}, **trace}),
                )
            )
        if rows:
            self.written += len(rows)
            await conn.executemany(
                "INSERT INTO outbox (event_id, topic, key, value, headers)"
                " VALUES ($1, $2, $3, $4, $5::text::jsonb)",
                rows,
            )

    def notify(self) -> None:
        self.wakeup.set()


class RelayTransientError(RuntimeError):
    """Kafka refused a batch for a reason that may pass; its unacknowledged rows stay unsent."""


@dataclass
class _BatchOutcome:
    sent: list[int] = field(default_factory=list)
    parked: list[tuple[Any, BaseException]] = field(default_factory=list)
    transient: BaseException | None = None


class OutboxRelay:
    """Publishes unsent outbox rows in id order, marks them sent, and parks permanent failures."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        producer: AIOKafkaProducer,
        outbox: Outbox,
        *,
        batch_size: int = 500,
        poll_interval_s: float = 0.5,
        crash_points: CrashPoints = NO_FAULTS,
        send_timeout_s: float = 30.0,
    ) -> None:
        self._pool = pool
        self._producer = producer
        self._outbox = outbox
        self._batch_size = batch_size
        self._poll_interval_s = poll_interval_s
        self._crash = crash_points
        # aiokafka's send() waits for the topic's metadata with no end when the producer has lost
        # the cluster (or was stopped): bounded, that is one more transient failure.
        self._send_timeout_s = send_timeout_s
        self.published = 0
        # Rows this relay parked since it started (the outbox_parking queries count them all).
        self.parked = 0

    async def publish_batch(self) -> int:
        """Publish one batch; returns how many rows it settled (sent or parked), 0 if another
        relay holds the turn. `RelayTransientError` after committing what did settle."""
        async with self._pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(READY_ROWS, self._batch_size, RELAY_LOCK_KEY)
            if not rows:
                return 0
            outcome = await self._send(rows)
            self._crash.hit("relay.after_publish")
            if outcome.sent:
                await conn.execute(
                    "UPDATE outbox SET sent_at = clock_timestamp() WHERE id = ANY($1::bigint[])",
                    outcome.sent,
                )
            for row, exc in outcome.parked:
                await conn.execute(
                    "UPDATE outbox SET parked_at = clock_timestamp(), park_reason = $2,"
                    " park_count = park_count + 1 WHERE id = $1",
                    row["id"],
                    park_reason(exc),
                )
        for row, exc in outcome.parked:
            log.error(
                "outbox.parked",
                outbox_id=row["id"],
                topic=row["topic"],
                key=row["key"].decode(errors="replace") if row["key"] is not None else None,
                value_bytes=len(row["value"]),
                reason=park_reason(exc),
            )
        self.published += len(outcome.sent)
        self.parked += len(outcome.parked)
        if outcome.transient is not None:
            raise RelayTransientError(repr(outcome.transient)) from outcome.transient
        return len(outcome.sent) + len(outcome.parked)

    async def _send(self, rows: list[Any]) -> _BatchOutcome:
        """Hand the rows to the producer in id order and wait for Kafka's answer on each."""
        outcome = _BatchOutcome()
        # (topic, key) of rows parked in this batch: their later rows wait, as in READY_ROWS.
        held: set[tuple[str, bytes]] = set()
        pending: list[tuple[Any, asyncio.Future[Any]]] = []
        for row in rows:
            if row["key"] is not None and (row["topic"], row["key"]) in held:
                continue
            try:
                # asyncio.timeout, not wait_for: no task per row on the hot path.
                async with asyncio.timeout(self._send_timeout_s):
                    delivery = await self._producer.send(
                        row["topic"],
                        value=row["value"],
                        key=row["key"],
                        headers=[(k, v.encode()) for k, v in json.loads(row["headers"]).items()],
                    )
            except Exception as exc:
                if not is_permanent(exc):
                    # Later rows are not sent at all: they are retried, in order, after backoff.
                    outcome.transient = exc
                    break
                outcome.parked.append((row, exc))
                if row["key"] is not None:
                    held.add((row["topic"], row["key"]))
                continue
            pending.append((row, delivery))
        results = await asyncio.gather(*(d for _, d in pending), return_exceptions=True)
        for (row, _), result in zip(pending, results, strict=True):
            if not isinstance(result, BaseException):
                outcome.sent.append(row["id"])
            elif is_permanent(result):
                outcome.parked.append((row, result))
            elif outcome.transient is None:
                outcome.transient = result
        return outcome

    async def run(self) -> None:
        failures = 0
        while True:
            self._outbox.wakeup.clear()
            try:
                settled = await self.publish_batch()
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # broker or database down: rows stay unsent, try again
                failures += 1
                log.warning("outbox.relay_failed", error=repr(exc), failures=failures)
                await asyncio.sleep(_RELAY_BACKOFF.delay(failures))
                continue
            if settled >= self._batch_size:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._outbox.wakeup.wait(), self._poll_interval_s)
