"""Rebuilding a read model from offset 0 into fresh tables, then swapping them in.

A `Projection` names its tables, the topics it is built from and how it applies one event (the
service's own projection code, with unqualified table names). `Rebuild.run`:

1. creates the schema `rebuild_<name>` with an empty copy of each table (`LIKE ... INCLUDING ALL`);
2. reads every topic from its start to the end offsets seen at the start, with a consumer that
   joins no group and commits nothing (the live consumer is not disturbed), and applies each
   event in a transaction whose `search_path` is the shadow schema first;
3. then, in one transaction, locks the live tables (the live handlers wait), reads what was
   published meanwhile up to the new end offsets, applies it to the shadow tables, counts the
   rows that differ, and (unless a dry run, or `refuse_swap` says why not) moves the live tables
   to `rebuild_<name>_old` (dropped) and the shadow tables to `public`.

Projections are last-writer-wins by fact time (an event applied twice, by the rebuild and a late
live handler, changes nothing), or say `order`: applied in the live order (rebuild_ordered.py).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from arcadia_contracts import Envelope, EventDecodeError, decode
from arcadia_platform.db import Connection
from arcadia_platform.logs import get_logger
from arcadia_platform.rebuild_ordered import InboxOrder, apply_in_inbox_order, create_stash, stash
from arcadia_platform.runtime import ServiceRuntime

log = get_logger(__name__)
Apply = Callable[[Connection, Envelope], Awaitable[None]]
Refusal = Callable[[Connection], Awaitable[str | None]]  # why the live tables must stay, if so
BATCH = 500


@dataclass(frozen=True)
class Projection:
    name: str
    tables: Sequence[str]
    topics: Sequence[str]  # logical names
    apply: Apply  # applies one event (ignores types it does not follow)
    order: InboxOrder | None = None  # set: in the live consumer's order (rebuild_ordered.py)
    after_create: Sequence[str] = ()  # SQL on the fresh tables (`{schema}`): LIKE copies no FK
    refuse_swap: Refusal | None = None  # asked under the lock before a swap


@dataclass
class Progress:
    projection: str
    status: str = "running"  # running | swapped | compared | failed
    events_total: int = 0
    events_read: int = 0
    rows: int = 0
    differing_rows: int = 0
    error: str | None = None
    started_at: float = field(default_factory=time.time)
    finished_at: float | None = None


class Rebuild:
    def __init__(self, runtime: ServiceRuntime, projection: Projection, *, swap: bool) -> None:
        self._runtime = runtime
        self._projection = projection
        self._swap = swap
        self.progress = Progress(projection.name)
        self._shadow = f"rebuild_{projection.name}"
        self._conn: asyncpg.Connection[asyncpg.Record]

    async def run(self) -> None:
        try:
            await self._run()
        except Exception as exc:  # reported to the operator who polls; the service goes on
            log.exception("rebuild.failed", projection=self._projection.name)
            self.progress.status = "failed"
            self.progress.error = f"{type(exc).__name__}: {exc}"
        finally:
            self.progress.finished_at = time.time()

    async def _run(self) -> None:
        # A connection of its own: the pool's stay as the live handlers left them.
        self._conn = await asyncpg.connect(self._runtime.settings.database_url)
        try:
            # One rebuild of a projection at a time, across every instance of the service.
            if not await self._conn.fetchval(
                "SELECT pg_try_advisory_lock(hashtext($1))", self._shadow
            ):
                raise RuntimeError(f"{self._projection.name} is being rebuilt by another instance")
            await self._create_shadow()
            consumer = AIOKafkaConsumer(
                bootstrap_servers=self._runtime.settings.kafka_bootstrap_servers,
                enable_auto_commit=False,
            )
            await consumer.start()
            try:
                tps = await self._partitions()
                consumer.assign(tps)
                await consumer.seek_to_beginning(*tps)
                starts = await consumer.beginning_offsets(tps)
                ends = await consumer.end_offsets(tps)
                self.progress.events_total = sum(ends[tp] - starts[tp] for tp in tps)
                await self._read_until(consumer, ends, in_transaction=False)
                await self._finish(consumer, tps)
            finally:
                await consumer.stop()
        finally:
            await self._conn.close()

    async def _partitions(self) -> list[TopicPartition]:
        names = self._runtime.topic_names
        admin = AIOKafkaAdminClient(
            bootstrap_servers=self._runtime.settings.kafka_bootstrap_servers
        )
        await admin.start()
        try:
            described = await admin.describe_topics(
                [names.physical(t) for t in self._projection.topics]
            )
        finally:
            await admin.close()
        return [
            TopicPartition(t["topic"], p["partition"])
            for t in described
            if not t.get("error_code")
            for p in sorted(t["partitions"], key=lambda p: int(p["partition"]))
        ]

    async def _create_shadow(self) -> None:
        conn = self._conn
        async with conn.transaction():
            await conn.execute(f"DROP SCHEMA IF EXISTS {self._shadow} CASCADE")
            await conn.execute(f"DROP SCHEMA IF EXISTS {self._shadow}_old CASCADE")
            await conn.execute(f"CREATE SCHEMA {self._shadow}")
            for table in self._projection.tables:
                await conn.execute(
                    f"CREATE TABLE {self._shadow}.{table} (LIKE public.{table} INCLUDING ALL)"
                )
            for statement in self._projection.after_create:
                await conn.execute(statement.format(schema=self._shadow))
            if self._projection.order is not None:
                await create_stash(conn, self._shadow)

    async def _read_until(
        self,
        consumer: AIOKafkaConsumer,
        ends: dict[TopicPartition, int],
        *,
        in_transaction: bool,
    ) -> None:
        """Apply every record up to `ends`: in the open transaction, or one per batch."""
        remaining = {tp for tp, end in ends.items() if await consumer.position(tp) < end}
        while remaining:
            fetched = await consumer.getmany(*remaining, timeout_ms=1000, max_records=BATCH)
            events: list[tuple[Envelope, bytes]] = []
            for tp, records in fetched.items():
                for record in records:
                    if record.offset >= ends[tp]:
                        continue
                    self.progress.events_read += 1
                    try:
                        events.append((decode(record.value), record.value))
                    except (EventDecodeError, TypeError):
                        continue  # the live consumer dead-lettered it: not part of the model
            if self._projection.order is not None:
                await stash(self._conn, self._shadow, events)
            elif in_transaction:
                await self._apply(self._conn, events)
            else:
                async with self._conn.transaction():
                    await self._apply(self._conn, events)
            remaining = {tp for tp in remaining if await consumer.position(tp) < ends[tp]}

    async def _apply(self, conn: Connection, events: list[tuple[Envelope, bytes]]) -> None:
        await conn.execute(f"SET LOCAL search_path = {self._shadow}, public")
        for event, _ in events:
            await self._projection.apply(conn, event)
        await conn.execute("SET LOCAL search_path = public")

    async def _finish(self, consumer: AIOKafkaConsumer, tps: list[TopicPartition]) -> None:
        tables = self._projection.tables
        conn = self._conn
        async with conn.transaction():
            live = ", ".join(f"public.{t}" for t in tables)
            await conn.execute(f"LOCK TABLE {live} IN EXCLUSIVE MODE")
            ends = await consumer.end_offsets(tps)
            positions = [await consumer.position(tp) for tp in tps]
            self.progress.events_total += sum(
                max(0, ends[tp] - at) for tp, at in zip(tps, positions, strict=True)
            )
            await self._read_until(consumer, ends, in_transaction=True)
            if self._projection.order is not None:
                await apply_in_inbox_order(
                    conn, self._shadow, self._projection.order, self._projection.apply
                )
            self.progress.rows = sum(
                [await conn.fetchval(f"SELECT count(*) FROM {self._shadow}.{t}") for t in tables]
            )
            self.progress.differing_rows = sum([await self._differing(conn, t) for t in tables])
            refuse = self._projection.refuse_swap
            why = await refuse(conn) if self._swap and refuse is not None else None
            if not self._swap or why is not None:
                self.progress.status = "compared" if why is None else "failed"
                self.progress.error = None if why is None else f"nothing swapped: {why}"
                await conn.execute(f"DROP SCHEMA {self._shadow} CASCADE")
                return
            await conn.execute(f"CREATE SCHEMA {self._shadow}_old")
            for table in tables:
                await conn.execute(f"ALTER TABLE public.{table} SET SCHEMA {self._shadow}_old")
                await conn.execute(f"ALTER TABLE {self._shadow}.{table} SET SCHEMA public")
            await conn.execute(f"DROP SCHEMA {self._shadow}_old CASCADE")
            await conn.execute(f"DROP SCHEMA {self._shadow} CASCADE")
        self.progress.status = "swapped"
        log.info("rebuild.swapped", projection=self._projection.name, rows=self.progress.rows)

    async def _differing(self, conn: Connection, table: str) -> int:
        """Rows in one table and not in the other (both ways)."""
        found: int = await conn.fetchval(
            f"SELECT count(*) FROM ((SELECT * FROM public.{table} EXCEPT ALL"
            f" SELECT * FROM {self._shadow}.{table}) UNION ALL"
            f" (SELECT * FROM {self._shadow}.{table} EXCEPT ALL"
            f" SELECT * FROM public.{table})) d"
        )
        return found


class Rebuilds:
    """The service's rebuilds: at most one running per projection; the last one's progress."""

    def __init__(self, runtime: ServiceRuntime, projections: Sequence[Projection]) -> None:
        self._runtime = runtime
        self.projections = {p.name: p for p in projections}
        self.latest: dict[str, Rebuild] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def running(self, name: str) -> bool:
        latest = self.latest.get(name)
        return latest is not None and latest.progress.finished_at is None

    def start(self, name: str, *, swap: bool) -> Rebuild:
        rebuild = Rebuild(self._runtime, self.projections[name], swap=swap)
        self.latest[name] = rebuild
        task = asyncio.create_task(rebuild.run(), name=f"rebuild-{name}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return rebuild
