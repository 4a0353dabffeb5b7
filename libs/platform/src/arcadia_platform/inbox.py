"""Inbox: a consumer records each event id in the same transaction as the event's effect.

A consumed batch records all its ids in one statement (`record_many`), then applies each event
under a `Savepoint`; an event that ends up dead-lettered is `forget`-ten again, so the committed
state is the one a transaction per event left: an inbox row exactly for each applied event.
"""

from __future__ import annotations

from uuid import UUID

from arcadia_contracts import Envelope
from arcadia_platform.db import Connection


async def record_once(
    conn: Connection,
    consumer: str,
    event: Envelope,
    topic: str,
    partition: int,
    offset: int,
) -> bool:
    """True the first time `consumer` sees this event id; False for a duplicate (do nothing).

    A duplicate at a later position (the relay published the event twice) moves the row's position
    there: the retention purge keeps a row while Kafka holds its position (see retention.py), so
    it must name the last copy, not the first.
    """
    inserted = await conn.fetchval(
        "INSERT INTO inbox (consumer, event_id, event_type, topic, kafka_partition, kafka_offset)"
        " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (consumer, event_id) DO UPDATE"
        " SET topic = EXCLUDED.topic, kafka_partition = EXCLUDED.kafka_partition,"
        " kafka_offset = EXCLUDED.kafka_offset"
        " WHERE (inbox.topic, inbox.kafka_partition) <> (EXCLUDED.topic, EXCLUDED.kafka_partition)"
        " OR inbox.kafka_offset < EXCLUDED.kafka_offset"
        " RETURNING xmax = 0",
        consumer,
        event.event_id,
        event.type,
        topic,
        partition,
        offset,
    )
    return bool(inserted)


async def record_many(
    conn: Connection, consumer: str, items: list[tuple[Envelope, str, int, int]]
) -> set[UUID]:
    """Record a batch's (event, topic, partition, offset) in one statement; returns the event
    ids this consumer had not seen before (the others are duplicates: do nothing). One item per
    event id. As in `record_once`, a duplicate at a later position moves its row there."""
    if not items:
        return set()
    rows = await conn.fetch(
        "INSERT INTO inbox (consumer, event_id, event_type, topic, kafka_partition, kafka_offset)"
        " SELECT $1, * FROM unnest($2::uuid[], $3::text[], $4::text[], $5::int[], $6::bigint[])"
        " ON CONFLICT (consumer, event_id) DO UPDATE"
        " SET topic = EXCLUDED.topic, kafka_partition = EXCLUDED.kafka_partition,"
        " kafka_offset = EXCLUDED.kafka_offset"
        " WHERE (inbox.topic, inbox.kafka_partition) <> (EXCLUDED.topic, EXCLUDED.kafka_partition)"
        " OR inbox.kafka_offset < EXCLUDED.kafka_offset"
        " RETURNING event_id, xmax = 0 AS inserted",
        consumer,
        [event.event_id for event, *_ in items],
        [event.type for event, *_ in items],
        [topic for _, topic, _, _ in items],
        [partition for _, _, partition, _ in items],
        [offset for *_, offset in items],
    )
    return {row["event_id"] for row in rows if row["inserted"]}


async def forget(conn: Connection, consumer: str, event_ids: list[UUID]) -> None:
    """Undo `record_many` for events not applied in this transaction (a failed one, and those
    after it, which a later transaction records again)."""
    await conn.execute(
        "DELETE FROM inbox WHERE consumer = $1 AND event_id = ANY($2::uuid[])", consumer, event_ids
    )


class Savepoint:
    """One savepoint per event inside a batch's transaction, reusing a single name: moving on
    to the next event (release the last savepoint, set a new one) is one round trip."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._open = False

    async def set(self) -> None:
        await self._conn.execute(
            "RELEASE SAVEPOINT inbox_event; SAVEPOINT inbox_event"
            if self._open
            else "SAVEPOINT inbox_event"
        )
        self._open = True

    async def rollback(self) -> None:
        await self._conn.execute("ROLLBACK TO SAVEPOINT inbox_event")
