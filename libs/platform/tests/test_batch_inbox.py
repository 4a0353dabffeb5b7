"""A consumed batch in one transaction, a savepoint per event: the inbox's effect is unchanged.

Against the real PostgreSQL: the handler writes an effect row; one event of the batch fails
(after writing), another is a duplicate, and the committed state must be what a transaction per
event left: effects and inbox rows for exactly the applied events, the failing one dead-lettered.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from aiokafka import ConsumerRecord
from prometheus_client import REGISTRY

from arcadia_contracts import Envelope, encode, envelope
from arcadia_contracts.events.platform import PaymentFailed
from arcadia_platform.consumer import InboxConsumer, RetryPolicy, Routes
from arcadia_platform.db import Connection, create_pool, migrate
from arcadia_platform.dlq import DeadLetters
from arcadia_platform.outbox import Outbox
from arcadia_platform.runtime import PLATFORM_MIGRATIONS

TOPIC = "platform.payments.v1"


class FakeProducer:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    async def send_and_wait(self, topic: str, **kwargs: Any) -> None:
        self.sent.append({"topic": topic, **kwargs})


def payment(reason: str) -> Envelope:
    return envelope(
        PaymentFailed(payment_id=f"pay-{reason}", amount_cents=100, reason=reason),
        producer="payments",
        tenant_id="acme",
    )


def record(event: Envelope, offset: int) -> ConsumerRecord[bytes, bytes]:
    value = encode(event)
    return ConsumerRecord(
        topic=TOPIC,
        partition=0,
        offset=offset,
        timestamp=0,
        timestamp_type=0,
        key=b"k",
        value=value,
        checksum=None,
        serialized_key_size=1,
        serialized_value_size=len(value),
        headers=[("event-type", event.type.encode())],
    )


async def handler(conn: Connection, event: Envelope) -> None:
    await conn.execute("INSERT INTO effects (event_id) VALUES ($1)", event.event_id)
    reason = event.payload.reason  # type: ignore[attr-defined]
    if reason == "boom":
        raise ValueError("the handler fails after writing")
    if reason == "db-down":
        raise OSError("connection reset")


@pytest.fixture
async def pool(database: str) -> AsyncIterator[asyncpg.Pool]:
    # One connection: dead-lettering must not need a second one while the batch holds it.
    pool = await create_pool(database, min_size=1, max_size=1)
    await migrate(pool, [("platform", PLATFORM_MIGRATIONS)])
    await pool.execute("CREATE TABLE effects (event_id uuid PRIMARY KEY)")
    yield pool
    await pool.close()


def consumer(
    pool: asyncpg.Pool, producer: FakeProducer, *, name: str = "billing", handle: Any = handler
) -> InboxConsumer:
    routes = Routes()
    routes.on(TOPIC, PaymentFailed, handle)
    return InboxConsumer(
        name=name,
        pool=pool,
        routes=routes,
        outbox=Outbox(),
        dead_letters=DeadLetters(producer, name),
        retry=RetryPolicy(max_attempts=2, backoff_base_s=0, backoff_max_s=0),
    )


async def state(pool: asyncpg.Pool) -> tuple[set[Any], set[Any]]:
    effects = {r["event_id"] for r in await pool.fetch("SELECT event_id FROM effects")}
    inbox = {r["event_id"] for r in await pool.fetch("SELECT event_id FROM inbox")}
    return effects, inbox


async def test_a_failing_event_rolls_back_alone_and_duplicates_are_skipped(
    pool: asyncpg.Pool,
) -> None:
    producer = FakeProducer()
    inbox = consumer(pool, producer)
    ok1, boom, ok2 = payment("ok1"), payment("boom"), payment("ok2")
    batch = [record(ok1, 0), record(boom, 1), record(ok1, 2), record(ok2, 3)]

    async with asyncio.timeout(30):  # a pool of one: no waiting on a second connection
        await inbox.process_batch(batch)

    effects, recorded = await state(pool)
    assert effects == recorded == {ok1.event_id, ok2.event_id}
    assert (inbox.handled, inbox.duplicates) == (2, 1)
    (dead,) = producer.sent
    assert dict(dead["headers"])["dlq-reason"] == b"handler_failed"

    await inbox.process_batch(batch)  # the whole batch redelivered: nothing applied twice

    assert await state(pool) == (effects, recorded)
    assert inbox.handled == 2
    assert len(producer.sent) == 1  # the failing record is dead-lettered once


async def test_an_infrastructure_error_rolls_the_whole_batch_back_and_raises(
    pool: asyncpg.Pool,
) -> None:
    producer = FakeProducer()
    inbox = consumer(pool, producer)
    ok1, down = payment("ok1"), payment("db-down")

    with pytest.raises(OSError, match="connection reset"):
        await inbox.process_batch([record(ok1, 0), record(down, 1)])

    assert await state(pool) == (set(), set())  # redelivered later, nothing half-applied
    assert producer.sent == []


async def test_a_batch_longer_than_one_transaction_is_applied_in_chunks(
    pool: asyncpg.Pool,
) -> None:
    inbox = consumer(pool, FakeProducer())
    events = [payment(f"ok{i}") for i in range(120)]

    await inbox.process_batch([record(e, i) for i, e in enumerate(events)])

    effects, recorded = await state(pool)
    assert effects == recorded == {e.event_id for e in events}


async def test_savepoints_are_set_only_when_a_handler_fails_and_nothing_counts_twice(
    pool: asyncpg.Pool,
) -> None:
    """A chunk is first applied without savepoints; one whose handler raises is rolled back
    whole and applied again with a savepoint per event: same state, counters counted once."""
    statements: list[str] = []
    logging_on: list[object] = []

    async def logged_handler(conn: Connection, event: Envelope) -> None:
        if not logging_on:  # the pool has one connection: log everything it runs from now on
            conn.add_query_logger(lambda record: statements.append(record.query))
            logging_on.append(conn)
        await handler(conn, event)

    producer = FakeProducer()
    inbox = consumer(pool, producer, name="billing-savepoints", handle=logged_handler)

    def handled(outcome: str) -> float:
        labels = {"consumer": "billing-savepoints", "event_type": "PaymentFailed"}
        value = REGISTRY.get_sample_value(
            "arcadia_events_handled_total", {**labels, "outcome": outcome}
        )
        return value or 0.0

    clean = [payment(f"clean{i}") for i in range(3)]
    await inbox.process_batch([record(e, i) for i, e in enumerate(clean)])
    assert statements, "the handler's connection was not logged"
    assert not [s for s in statements if "SAVEPOINT" in s]
    assert handled("ok") == 3

    statements.clear()
    before, failing, after = payment("ok-before"), payment("boom"), payment("ok-after")
    await inbox.process_batch([record(e, 10 + i) for i, e in enumerate((before, failing, after))])
    assert [s for s in statements if "SAVEPOINT" in s]  # the careful second attempt
    effects, recorded = await state(pool)
    applied = {e.event_id for e in (*clean, before, after)}
    assert effects == recorded == applied
    assert inbox.handled == 5
    assert handled("ok") == 5  # not 6: the first attempt at the chunk counted nothing
    assert handled("dead_lettered") == 1
    assert len(producer.sent) == 1
