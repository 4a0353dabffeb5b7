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
    """True the first time `consumer` sees this event id; False for a duplicate (do nothing)."""
    inserted = await conn.fetchval(
        "INSERT INTO inbox (consumer, event_id, event_type, topic, kafka_partition, kafka_offset)"
        " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING true",
        consumer,
        event.event_id,
        event.type,
        topic,
        partition,
        offset,
    )
    return bool(inserted)
