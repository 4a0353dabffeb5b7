"""Retention: the purges that keep every hot-path table flat, run on a schedule by the runtime.

Each purge deletes one bounded batch per statement (its own short transaction, so no long lock)
and is repeated until a batch comes back short. A round runs under a session advisory lock, so of
several instances one purges at a time; the deletes are idempotent anyway. What was removed is
logged and counted (`Retention.removed`).

- `outbox`: rows sent longer ago than `outbox_retention_s`. Unsent and parked rows stay.
- `inbox`: a row goes only when Kafka no longer holds the record it was written for (its offset
  is below its partition's log-start offset, read from the broker at purge time) *and* it is older
  than `inbox_retention_min_s`. A replay of everything Kafka still holds therefore meets an inbox
  row for every event it brings back: it stays a no-op. The inbox moves a row's position up when
  the same event id comes again at a later offset (a relay's duplicate), see inbox.py.
- services add their own (the gateway's idempotency keys, the provisioner's finished jobs).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from arcadia_platform.db import Connection, holds_session_state
from arcadia_platform.logs import get_logger
from arcadia_platform.settings import ServiceSettings
from arcadia_platform.topicnames import TopicNames

if TYPE_CHECKING:
    from arcadia_platform.consumer import Routes

log = get_logger(__name__)

# pg_advisory_lock key of a purge round (any constant unlikely to clash with a saga's lock).
RETENTION_LOCK = 0x7E7E_4E7E_0001

# One batch: (connection, now, batch size) -> rows deleted.
PurgeBatch = Callable[[Connection, datetime, int], Awaitable[int]]


@dataclass(frozen=True)
class Purge:
    name: str
    batch: PurgeBatch


def purge_older_than(table: str, column: str, keep_s: float, where: str = "true") -> PurgeBatch:
    """A batch deleting `table` rows whose `column` is older than `keep_s` before `now`."""

    async def batch(conn: Connection, now: datetime, limit: int) -> int:
        result = await conn.execute(
            f"DELETE FROM {table} WHERE ctid = ANY(ARRAY(SELECT ctid FROM {table}"
            f" WHERE {column} < $1 AND {where} LIMIT $2))",
            now - timedelta(seconds=keep_s),
            limit,
        )
        return int(result.split()[-1])

    return batch


def outbox_purge(keep_s: float) -> Purge:
    return Purge("outbox", purge_older_than("outbox", "sent_at", keep_s, "sent_at IS NOT NULL"))


LogStarts = dict[tuple[str, int], int]


async def log_start_offsets(bootstrap: str, topics: Sequence[str]) -> LogStarts:
    """Each partition's lowest offset Kafka still holds, for these physical topics."""
    if not topics:
        return {}
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics(list(topics))
    finally:
        await admin.close()
    tps = [
        TopicPartition(d["topic"], p["partition"])
        for d in described
        if not d.get("error_code")
        for p in d["partitions"]
    ]
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        starts = await consumer.beginning_offsets(tps)
    finally:
        await consumer.stop()
    return {(tp.topic, tp.partition): offset for tp, offset in starts.items()}


def inbox_purge(bootstrap: str, topics: Sequence[str], keep_s: float) -> Purge:
    """Inbox rows whose record Kafka no longer holds, and older than `keep_s`."""
    starts: LogStarts = {}

    async def batch(conn: Connection, now: datetime, limit: int) -> int:
        if not starts:  # read once per round (the round's first batch), never guessed
            starts.update(await log_start_offsets(bootstrap, topics))
            starts[("", -1)] = 0  # marks "read" even when no topic has partitions
        try:
            return await delete_below(conn, now, limit)
        except BaseException:
            starts.clear()  # a failed round: the next one reads the offsets afresh
            raise

    async def delete_below(conn: Connection, now: datetime, limit: int) -> int:
        deleted = 0
        for (topic, partition), start in list(starts.items()):
            if start <= 0:
                continue
            result = await conn.execute(
                "DELETE FROM inbox WHERE ctid = ANY(ARRAY(SELECT ctid FROM inbox"
                " WHERE topic = $1 AND kafka_partition = $2 AND kafka_offset < $3"
                " AND processed_at < $4 LIMIT $5))",
                topic,
                partition,
                start,
                now - timedelta(seconds=keep_s),
                limit - deleted,
            )
            deleted += int(result.split()[-1])
            if deleted >= limit:
                return deleted
        starts.clear()  # the round is over: next round reads the offsets again
        return deleted

    return Purge("inbox", batch)


class Retention:
    """Runs the purges: `purge_once(now)` is one round, `run()` repeats it every `interval_s`."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        purges: Sequence[Purge],
        *,
        batch_size: int,
        interval_s: float,
    ) -> None:
        self._pool = pool
        self.purges = list(purges)
        self._batch_size = batch_size
        self._interval_s = interval_s
        self.removed: dict[str, int] = {p.name: 0 for p in purges}

    @classmethod
    def of(
        cls,
        settings: ServiceSettings,
        pool: asyncpg.Pool,
        names: TopicNames,
        routes: Routes,
        purges: Sequence[Purge] = (),
    ) -> Retention:
        """The platform's purges (outbox, inbox of the consumed topics), then the service's."""
        s = settings
        consumed_topics = [names.physical(t) for t in routes.topics()]
        return cls(
            pool,
            [
                outbox_purge(s.outbox_retention_s),
                inbox_purge(s.kafka_bootstrap_servers, consumed_topics, s.inbox_retention_min_s),
                *purges,
            ],
            batch_size=s.retention_batch_size,
            interval_s=s.retention_interval_s,
        )

    async def run(self) -> None:
        while True:
            try:
                await self.purge_once(datetime.now(UTC))
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, KafkaError) as exc:
                # An outage: nothing is lost by purging later. The next round tries again.
                log.warning("retention.failed", error=repr(exc))
            await asyncio.sleep(self._interval_s)

    async def purge_once(self, now: datetime) -> dict[str, int] | None:
        """One round; what each purge removed, or None when another instance holds the round."""
        async with self._pool.acquire() as conn:
            holds_session_state(conn)
            if not await conn.fetchval("SELECT pg_try_advisory_lock($1)", RETENTION_LOCK):
                log.info("retention.skipped", reason="another instance is purging")
                return None
            try:
                removed = {p.name: await self._drain(conn, p, now) for p in self.purges}
            finally:
                await conn.execute("SELECT pg_advisory_unlock($1)", RETENTION_LOCK)
        for name, count in removed.items():
            self.removed[name] = self.removed.get(name, 0) + count
        log.info("retention.purged", **removed)
        return removed

    async def _drain(self, conn: Connection, purge: Purge, now: datetime) -> int:
        total = 0
        while True:
            deleted = await purge.batch(conn, now, self._batch_size)
            total += deleted
            if deleted < self._batch_size:
                return total
