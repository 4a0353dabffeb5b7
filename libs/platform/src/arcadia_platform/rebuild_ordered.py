"""A rebuild in the order the live consumer applied the events (its inbox), not the topics' order.

A projection built from one topic, or whose events commute, can be applied partition by partition
as Kafka hands them out (rebuild.py). A service whose handlers *decide* from their own state and
hear several topics cannot: the inventory registers a droplet unless the saga's abort came first,
and the abort comes on another topic. Its projection says `order=InboxOrder(...)`; the rebuild then
stashes every record it reads in the shadow schema (`_events`), and applies them, under the live
tables' lock, in this order:

- the events the live consumer applied, by their inbox row (`processed_at`, then position): an
  event it has not applied yet (not in the inbox, or not committed) is left to it, and it applies
  it to the swapped-in tables;
- the service's own announcements of changes made outside its consumer (`unconsumed_types`, e.g.
  the inventory's `InventoryCorrected` for an operator's drift fix), by their `occurred_at`, which
  the service sets to the moment of the change.

Known limit: with several instances, two events of one saga applied by different instances at the
same moment may be applied live in the other order than their inbox rows say; a `--dry-run`
counts the rows that would differ.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from arcadia_contracts import Envelope, decode
from arcadia_platform.db import Connection

STASH = "_events"
BATCH = 500


@dataclass(frozen=True)
class InboxOrder:
    consumer: str  # the live consumer's inbox name (the service's name)
    unconsumed_types: Sequence[str] = ()


async def create_stash(conn: Connection, schema: str) -> None:
    await conn.execute(
        f"CREATE TABLE {schema}.{STASH} (event_id uuid PRIMARY KEY, type text NOT NULL,"
        " occurred_at timestamptz NOT NULL, value bytea NOT NULL)"
    )


async def stash(conn: Connection, schema: str, events: Sequence[tuple[Envelope, bytes]]) -> None:
    """Keep the records read (a relay's duplicate of an event id: the first copy)."""
    if not events:
        return
    await conn.execute(
        f"INSERT INTO {schema}.{STASH} (event_id, type, occurred_at, value)"
        " SELECT * FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::bytea[])"
        " ON CONFLICT (event_id) DO NOTHING",
        [e.event_id for e, _ in events],
        [e.type for e, _ in events],
        [e.occurred_at for e, _ in events],
        [value for _, value in events],
    )


async def apply_in_inbox_order(
    conn: Connection,
    schema: str,
    order: InboxOrder,
    apply: Callable[[Connection, Envelope], Awaitable[None]],
) -> int:
    """Apply the stash in the live order (inside the caller's transaction); returns how many."""
    # The order, numbered once (a table, not a cursor: the schema is dropped in this session).
    await conn.execute(f"CREATE TABLE {schema}._order (n bigint PRIMARY KEY, value bytea)")
    await conn.execute(
        f"INSERT INTO {schema}._order SELECT row_number() OVER (ORDER BY"
        " coalesce(i.processed_at, e.occurred_at), i.topic, i.kafka_partition, i.kafka_offset,"
        f" e.event_id) AS n, e.value FROM {schema}.{STASH} e"
        " LEFT JOIN public.inbox i ON i.consumer = $1 AND i.event_id = e.event_id"
        " WHERE i.event_id IS NOT NULL OR e.type = ANY($2::text[])",
        order.consumer,
        list(order.unconsumed_types),
    )
    await conn.execute(f"SET LOCAL search_path = {schema}, public")
    applied = 0
    while rows := await conn.fetch(
        f"SELECT value FROM {schema}._order WHERE n > $1 ORDER BY n LIMIT {BATCH}", applied
    ):
        for row in rows:
            await apply(conn, decode(row["value"]))  # decoded once already when stashed
            applied += 1
    await conn.execute("SET LOCAL search_path = public")
    return applied
