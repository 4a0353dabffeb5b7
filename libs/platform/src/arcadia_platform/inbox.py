"""Inbox: a consumer records each event id in the same transaction as the event's effect."""

from __future__ import annotations

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
