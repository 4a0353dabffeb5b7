"""Transactional outbox: events are written in the caller's transaction and relayed to Kafka.

Ordering: one relay publishes at a time (a transaction-scoped advisory lock), a whole batch is
acknowledged by Kafka before the next is read, and the producer is idempotent with acks=all, so
events with one key reach Kafka in the order their transactions wrote them. `FOR UPDATE SKIP
LOCKED` alone would let two relays publish one key's events out of order, so several relays are
safe (no duplicates beyond at-least-once, no reordering) but take turns.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Iterable

import asyncpg
from aiokafka import AIOKafkaProducer

from arcadia_contracts import Envelope, encode
from arcadia_platform.db import Connection
from arcadia_platform.faults import NO_FAULTS, CrashPoints
from arcadia_platform.logs import get_logger
from arcadia_platform.topicnames import TopicNames

log = get_logger(__name__)
RELAY_LOCK_KEY = 0x0A2C0B0C


def event_headers(event: Envelope) -> list[tuple[str, bytes]]:
    return [
        ("content-type", b"application/json"),
        ("event-type", event.type.encode()),
        ("event-version", str(event.version).encode()),
        ("event-id", str(event.event_id).encode()),
    ]


class Outbox:
    """Writes events in the caller's transaction; `notify()` after commit wakes the relay."""

    def __init__(self, topic_names: TopicNames | None = None) -> None:
        self.wakeup = asyncio.Event()
        self._names = topic_names or TopicNames()
        # Rows handed to add_many so far: a consumer wakes the relay only if its handler wrote.
        self.written = 0

    async def add(self, conn: Connection, topic: str, *events: Envelope) -> None:
        await self.add_many(conn, ((topic, event) for event in events))

    async def add_many(self, conn: Connection, items: Iterable[tuple[str, Envelope]]) -> None:
        rows = [
            (
                event.event_id,
                self._names.physical(topic),
                event.key,
                encode(event),
                json.dumps({k: v.decode() for k, v in event_headers(event)}),
            )
            for topic, event in items
        ]
        if rows:
            self.written += len(rows)
            await conn.executemany(
                "INSERT INTO outbox (event_id, topic, key, value, headers)"
                " VALUES ($1, $2, $3, $4, $5::text::jsonb)",
                rows,
            )

    def notify(self) -> None:
        self.wakeup.set()


class OutboxRelay:
    """Publishes unsent outbox rows in id order, then marks them sent."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        producer: AIOKafkaProducer,
        outbox: Outbox,
        *,
        batch_size: int = 500,
        poll_interval_s: float = 0.5,
        crash_points: CrashPoints = NO_FAULTS,
    ) -> None:
        self._pool = pool
        self._producer = producer
        self._outbox = outbox
        self._batch_size = batch_size
        self._poll_interval_s = poll_interval_s
        self._crash = crash_points
        self.published = 0

    async def publish_batch(self) -> int:
        """Publish one batch; returns how many rows it sent (0 if another relay holds the turn)."""
        async with self._pool.acquire() as conn, conn.transaction():
            if not await conn.fetchval("SELECT pg_try_advisory_xact_lock($1)", RELAY_LOCK_KEY):
                return 0
            rows = await conn.fetch(
                "SELECT id, topic, key, value, headers::text AS headers FROM outbox"
                " WHERE sent_at IS NULL ORDER BY id LIMIT $1",
                self._batch_size,
            )
            if not rows:
                return 0
            deliveries = [
                await self._producer.send(
                    row["topic"],
                    value=row["value"],
                    key=row["key"],
                    headers=[(k, v.encode()) for k, v in json.loads(row["headers"]).items()],
                )
                for row in rows
            ]
            await asyncio.gather(*deliveries)
            self._crash.hit("relay.after_publish")
            await conn.execute(
                "UPDATE outbox SET sent_at = clock_timestamp() WHERE id = ANY($1::bigint[])",
                [row["id"] for row in rows],
            )
        self.published += len(rows)
        return len(rows)

    async def run(self) -> None:
        failures = 0
        while True:
            self._outbox.wakeup.clear()
            try:
                sent = await self.publish_batch()
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # broker or database down: rows stay unsent, try again
                failures += 1
                log.warning("outbox.relay_failed", error=repr(exc), failures=failures)
                await asyncio.sleep(min(0.1 * 2**failures, 5.0))
                continue
            if sent >= self._batch_size:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._outbox.wakeup.wait(), self._poll_interval_s)
