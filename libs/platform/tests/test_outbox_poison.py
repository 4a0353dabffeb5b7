"""Outbound poison against real Kafka and PostgreSQL: oversize rows are refused or parked, and
nothing Kafka acknowledged is published twice."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer

from arcadia_contracts import Envelope, decode, encode, envelope, topics
from arcadia_contracts.events.deployments import DeploymentStateChanged
from arcadia_platform.db import Connection, create_pool, migrate
from arcadia_platform.outbox import (
    EventTooLargeError,
    Outbox,
    OutboxRelay,
    RelayTransientError,
    event_headers,
)
from arcadia_platform.outbox_parking import count_parked, list_parked, release_parked
from arcadia_platform.runtime import PLATFORM_MIGRATIONS
from arcadia_platform.topicnames import TopicNames
from arcadia_testing.plugin import Infra, eventually, read_topic

# A producer that refuses anything over 16 KiB, and an event of ~40 KB: too large for it, yet
# small enough for a producer with the default limit (and the broker) to publish after release.
SMALL_REQUEST_BYTES = 16_384
BIG_ACTOR_CHARS = 40_000


def event(deployment: UUID | None, label: str, *, big: bool = False) -> Envelope:
    actor = label + ("x" * BIG_ACTOR_CHARS if big else "")
    payload = DeploymentStateChanged(from_state=None, to_state="active", actor=actor)
    return envelope(payload, producer="test", tenant_id="t", deployment_id=deployment)


def label_of(received: Envelope) -> str:
    assert isinstance(received.payload, DeploymentStateChanged)
    return received.payload.actor.rstrip("x")


async def insert_raw(conn: Connection, topic: str, item: Envelope) -> int:
    """Write a row as the outbox would, but without its size check."""
    row_id: int = await conn.fetchval(
        "INSERT INTO outbox (event_id, topic, key, value, headers)"
        " VALUES ($1, $2, $3, $4, $5::text::jsonb) RETURNING id",
        item.event_id,
        topic,
        item.key,
        encode(item),
        json.dumps({k: v.decode() for k, v in event_headers(item)}),
    )
    return row_id


@dataclass
class Bed:
    infra: Infra
    pool: asyncpg.Pool
    names: TopicNames
    outbox: Outbox

    @property
    def topic(self) -> str:
        return self.names.physical(topics.DEPLOYMENTS)

    async def producer(self, **options: int) -> AIOKafkaProducer:
        producer = AIOKafkaProducer(
            bootstrap_servers=self.infra.kafka,
            enable_idempotence=True,
            acks="all",
            linger_ms=1,
            **options,
        )
        await producer.start()
        return producer

    async def write(self, *items: tuple[Envelope, bool]) -> dict[str, int]:
        """Insert (event, raw) pairs in order, one transaction; returns outbox ids by label."""
        ids: dict[str, int] = {}
        async with self.pool.acquire() as conn, conn.transaction():
            for item, raw in items:
                if raw:
                    ids[label_of(item)] = await insert_raw(conn, self.topic, item)
                else:
                    await self.outbox.add(conn, topics.DEPLOYMENTS, item)
                    ids[label_of(item)] = await conn.fetchval(
                        "SELECT id FROM outbox WHERE event_id = $1", item.event_id
                    )
        return ids

    async def states(self) -> dict[int, str]:
        async with self.pool.acquire() as conn:
            rows = await conn.fetch("SELECT id, sent_at, parked_at FROM outbox ORDER BY id")
        return {
            r["id"]: "sent" if r["sent_at"] else "parked" if r["parked_at"] else "unsent"
            for r in rows
        }

    async def published(self) -> list[Envelope]:
        records = await read_topic(self.infra.kafka, self.topic)
        return [decode(r.value) for r in sorted(records, key=lambda r: (r.partition, r.offset))]


@pytest.fixture
async def bed(infra: Infra, database: str, namespace: str) -> AsyncIterator[Bed]:
    pool = await create_pool(database, max_size=6)
    await migrate(pool, [("platform", PLATFORM_MIGRATIONS)])
    names = TopicNames(namespace)
    try:
        yield Bed(infra, pool, names, Outbox(names))
    finally:
        await pool.close()


@contextlib.asynccontextmanager
async def running(relay: OutboxRelay) -> AsyncIterator[None]:
    task = asyncio.create_task(relay.run())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def key(name: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"poison-{name}-{uuid4()}")


async def test_a_too_large_row_is_parked_other_keys_flow_and_its_key_waits(bed: Bed) -> None:
    a, b, c = key("a"), key("b"), key("c")
    ids = await bed.write(
        (event(a, "a1"), False),
        (event(b, "b1", big=True), True),
        (event(a, "a2"), False),
        (event(b, "b2"), False),
        (event(c, "c1"), False),
        (event(b, "b3"), False),
        (event(c, "c2"), False),
    )
    small = await bed.producer(max_request_size=SMALL_REQUEST_BYTES)
    relay = OutboxRelay(bed.pool, small, bed.outbox, batch_size=3, poll_interval_s=0.05)
    try:
        async with running(relay):
            expected = {ids["a1"]: "sent", ids["b1"]: "parked", ids["a2"]: "sent"}
            expected |= {ids["b2"]: "unsent", ids["c1"]: "sent", ids["b3"]: "unsent"}
            expected |= {ids["c2"]: "sent"}

            async def settled() -> bool:
                return await bed.states() == expected

            await eventually(settled)
            # Events written after the parking still flow, for any key but b's.
            later = await bed.write((event(a, "a3"), False), (event(b, "b4"), False))
            bed.outbox.notify()

            async def a3_sent() -> bool:
                states = await bed.states()
                return states[later["a3"]] == "sent" and states[later["b4"]] == "unsent"

            await eventually(a3_sent)
            assert relay.parked == 1
            async with bed.pool.acquire() as conn:
                assert await count_parked(conn) == 1
                [parked] = await list_parked(conn)
            assert parked.id == ids["b1"]
            assert parked.key == str(b)
            assert parked.event_type == "DeploymentStateChanged"
            assert parked.waiting == 3  # b2, b3, b4
            assert parked.park_count == 1
            assert parked.park_reason is not None
            assert parked.park_reason.startswith("MessageSizeTooLargeError")

            # Released, it is tried again; this producer still cannot send it: parked again.
            async with bed.pool.acquire() as conn:
                assert await release_parked(conn, ids["b1"])
                assert not await release_parked(conn, ids["a1"])  # sent, not parked
            bed.outbox.notify()

            async def parked_twice() -> bool:
                async with bed.pool.acquire() as conn:
                    rows = await list_parked(conn)
                return len(rows) == 1 and rows[0].park_count == 2

            await eventually(parked_twice)
            assert (await bed.states())[ids["b2"]] == "unsent"
    finally:
        await small.stop()

    # A relay whose producer can send it publishes it after release, then b's waiting rows.
    roomy = await bed.producer()
    relay = OutboxRelay(bed.pool, roomy, bed.outbox, batch_size=3, poll_interval_s=0.05)
    try:
        async with bed.pool.acquire() as conn:
            assert await release_parked(conn, ids["b1"])
        async with running(relay):

            async def all_sent() -> bool:
                return set((await bed.states()).values()) == {"sent"}

            await eventually(all_sent)
    finally:
        await roomy.stop()

    by_key: dict[UUID | None, list[str]] = collections.defaultdict(list)
    for received in await bed.published():
        by_key[received.deployment_id].append(label_of(received))
    assert by_key == {
        a: ["a1", "a2", "a3"],
        b: ["b1", "b2", "b3", "b4"],
        c: ["c1", "c2"],
    }
    async with bed.pool.acquire() as conn:
        assert await count_parked(conn) == 0


async def test_a_failure_mid_batch_republishes_nothing_kafka_acknowledged(bed: Bed) -> None:
    keys = [key(str(n)) for n in range(8)]
    rows: list[tuple[Envelope, bool]] = [(event(k, f"e{n}"), False) for n, k in enumerate(keys)]
    rows.insert(4, (event(key("big"), "big", big=True), True))
    await bed.write(*rows)
    small = await bed.producer(max_request_size=SMALL_REQUEST_BYTES)
    relay = OutboxRelay(bed.pool, small, bed.outbox, batch_size=50)
    try:
        assert await relay.publish_batch() == 9  # 8 sent, 1 parked
        for _ in range(3):  # what used to republish e0..e3 on every retry
            assert await relay.publish_batch() == 0
    finally:
        await small.stop()

    published = await bed.published()
    assert sorted(label_of(e) for e in published) == sorted(f"e{n}" for n in range(8))
    assert relay.published == 8
    assert list((await bed.states()).values()).count("parked") == 1


async def test_a_parked_row_without_a_key_holds_nothing_back(bed: Bed) -> None:
    ids = await bed.write(
        (event(None, "big", big=True), True),
        (event(None, "n1"), False),
        (event(None, "n2"), False),
    )
    small = await bed.producer(max_request_size=SMALL_REQUEST_BYTES)
    relay = OutboxRelay(bed.pool, small, bed.outbox, batch_size=50)
    try:
        assert await relay.publish_batch() == 3
    finally:
        await small.stop()
    assert await bed.states() == {ids["big"]: "parked", ids["n1"]: "sent", ids["n2"]: "sent"}
    assert sorted(label_of(e) for e in await bed.published()) == ["n1", "n2"]


async def test_the_outbox_refuses_an_event_the_producer_could_never_send(bed: Bed) -> None:
    outbox = Outbox(bed.names, max_request_bytes=SMALL_REQUEST_BYTES)
    fits = event(key("ok"), "fits")
    too_big = event(key("big"), "big", big=True)
    async with bed.pool.acquire() as conn:
        with pytest.raises(EventTooLargeError) as refused:
            async with conn.transaction():
                await outbox.add(conn, topics.DEPLOYMENTS, fits, too_big)
        assert await conn.fetchval("SELECT count(*) FROM outbox") == 0
        # The limit is the producer's, less room for what the record adds around the value.
        assert refused.value.limit == outbox.max_event_bytes < SMALL_REQUEST_BYTES
        assert refused.value.size == len(encode(too_big))
        assert refused.value.event_type == "DeploymentStateChanged"
        await outbox.add(conn, topics.DEPLOYMENTS, fits)
        assert await conn.fetchval("SELECT count(*) FROM outbox") == 1


async def test_a_transient_failure_keeps_every_row_unsent_and_in_order(bed: Bed) -> None:
    k = key("k")
    await bed.write(*((event(k, f"e{n}"), False) for n in range(6)))
    stopped = await bed.producer()
    await stopped.stop()  # a producer that can no longer reach Kafka
    relay = OutboxRelay(bed.pool, stopped, bed.outbox, batch_size=50, send_timeout_s=2.0)
    for _ in range(2):
        with pytest.raises(RelayTransientError):
            await relay.publish_batch()
    assert set((await bed.states()).values()) == {"unsent"}
    async with bed.pool.acquire() as conn:
        assert await count_parked(conn) == 0

    working = await bed.producer()
    relay = OutboxRelay(bed.pool, working, bed.outbox, batch_size=50)
    try:
        assert await relay.publish_batch() == 6
    finally:
        await working.stop()
    assert [label_of(e) for e in await bed.published()] == [f"e{n}" for n in range(6)]
