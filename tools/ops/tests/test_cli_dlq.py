"""`arcadia dlq` on the real Kafka and PostgreSQL, with a real InboxConsumer: a record whose handler
fails is dead-lettered; once the cause is fixed, redriving it applies it exactly once (twice
redriven, still once: the inbox); a redrive that fails again goes back to the DLQ as a new entry
marked with the redrive, and a redrive by filter never sends it round again."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from typer.testing import CliRunner, Result

from arcadia_contracts import Envelope, encode, envelope, topics
from arcadia_contracts.events.platform import PaymentFailed
from arcadia_ops.cli import app
from arcadia_platform.consumer import InboxConsumer, RetryPolicy, Routes
from arcadia_platform.db import Connection, create_pool, migrate
from arcadia_platform.dlq import DeadLetters
from arcadia_platform.outbox import Outbox
from arcadia_platform.runtime import PLATFORM_MIGRATIONS
from arcadia_platform.topicnames import TopicNames
from arcadia_testing.plugin import Infra, publish

runner = CliRunner()


@dataclass
class Harness:
    """Billing's consumer of the payments topic, driven by hand: `drain` hands it every new record."""

    infra: Infra
    names: TopicNames
    database: str
    consumer: InboxConsumer
    fixed: bool = False
    applied: list[str] = field(default_factory=list)
    seen: dict[int, int] = field(default_factory=dict)

    async def handler(self, conn: Connection, event: Envelope) -> None:
        if not self.fixed:
            raise RuntimeError("the ledger is closed for this tenant")
        await conn.execute("INSERT INTO applied VALUES ($1)", str(event.event_id))

    async def drain(self) -> None:
        reader = AIOKafkaConsumer(bootstrap_servers=self.infra.kafka, enable_auto_commit=False)
        await reader.start()
        try:
            topic = self.names.physical(topics.PAYMENTS)
            tps = [TopicPartition(topic, p) for p in range(3)]  # as topics_admin creates it
            reader.assign(tps)
            ends = await reader.end_offsets(tps)
            for tp in tps:
                reader.seek(tp, self.seen.get(tp.partition, 0))
            while any([await reader.position(tp) < ends[tp] for tp in tps]):
                batch = await reader.getmany(*tps, timeout_ms=500)
                for tp, records in batch.items():
                    for record in records:
                        await self.consumer.process(record)
                        self.seen[tp.partition] = record.offset + 1
        finally:
            await reader.stop()

    async def applied_rows(self) -> list[str]:
        conn = await asyncpg.connect(self.database)
        try:
            return [r["event_id"] for r in await conn.fetch("SELECT event_id FROM applied")]
        finally:
            await conn.close()


@pytest.fixture
async def harness(infra: Infra, database: str, namespace: str) -> AsyncIterator[Harness]:
    pool = await create_pool(database)
    await migrate(pool, [("platform", PLATFORM_MIGRATIONS)])
    await pool.execute("CREATE TABLE applied (event_id text PRIMARY KEY)")
    producer = AIOKafkaProducer(bootstrap_servers=infra.kafka, acks="all")
    await producer.start()
    routes = Routes()
    names = TopicNames(namespace)
    holder: list[Harness] = []

    async def handler(conn: Connection, event: Envelope) -> None:
        await holder[0].handler(conn, event)

    routes.on(topics.PAYMENTS, PaymentFailed, handler)
    consumer = InboxConsumer(
        name="billing",
        pool=pool,
        routes=routes,
        outbox=Outbox(names),
        dead_letters=DeadLetters(producer, "billing"),
        retry=RetryPolicy(max_attempts=1),
        topic_names=names,
    )
    holder.append(Harness(infra, names, database, consumer))
    try:
        yield holder[0]
    finally:
        await producer.stop()
        await pool.close()


def env(h: Harness) -> dict[str, str]:
    return {
        "KAFKA_BOOTSTRAP_SERVERS": h.infra.kafka,
        "ARCADIA_OPS_TOPIC_NAMESPACE": h.names.namespace,
        "ARCADIA_BILLING_DATABASE_URL": h.database,
        "COLUMNS": "250",  # Rich folds table cells to the terminal's width
    }


async def arcadia(h: Harness, *args: str) -> Result:
    # The CLI runs its own event loop: off this test's loop, in a thread.
    return await asyncio.to_thread(runner.invoke, app, list(args), env=env(h))


def payment(n: int) -> Envelope:
    return envelope(
        PaymentFailed(payment_id=f"pay-{n}", amount_cents=100 * n, reason="card declined"),
        producer="payments",
        tenant_id="acme",
    )


async def dead_letters(h: Harness) -> list[dict[str, Any]]:
    listed = await arcadia(h, "dlq", "list", "--topic", topics.PAYMENTS, "--json")
    assert listed.exit_code in (0, 1), listed.output
    entries: list[dict[str, Any]] = json.loads(listed.stdout)
    return entries


async def test_a_fixed_dead_letter_redriven_is_applied_exactly_once(harness: Harness) -> None:
    event = payment(1)
    await publish(harness.infra.kafka, harness.names.physical(topics.PAYMENTS), event)
    await harness.drain()
    assert await harness.applied_rows() == []

    listed = await arcadia(harness, "dlq", "list", "--reason", "handler_failed", "--json")
    assert listed.exit_code == 1  # dead letters are a problem
    (entry,) = json.loads(listed.stdout)
    assert entry["reason"] == "handler_failed"
    assert entry["consumer"] == "billing"
    assert entry["origin_topic"] == topics.PAYMENTS
    assert entry["redriven_from"] is None
    shown = await arcadia(harness, "dlq", "show", entry["id"], "--json")
    assert shown.exit_code == 0, shown.output
    body = json.loads(shown.stdout)
    assert body["value"] == encode(event).decode()
    assert body["noted"]["reason"] == "handler_failed"  # billing's dead_letters row

    human = await arcadia(harness, "dlq", "show", entry["id"])
    assert human.exit_code == 0, human.output
    assert "the ledger is closed" in human.stdout
    listed_human = await arcadia(harness, "dlq", "list")
    assert "handler_failed" in listed_human.stdout
    dry = await arcadia(harness, "dlq", "redrive", entry["id"])
    assert dry.exit_code == 0
    assert "dry run" in dry.stdout
    harness.fixed = True
    for _ in range(2):  # redriven twice by mistake: the inbox applies it once
        sent = await arcadia(harness, "dlq", "redrive", entry["id"], "--yes", "--json")
        assert sent.exit_code == 0, sent.output
        assert json.loads(sent.stdout)[0]["topic"] == topics.PAYMENTS
    await harness.drain()

    assert await harness.applied_rows() == [str(event.event_id)]
    assert harness.consumer.duplicates == 1
    assert len(await dead_letters(harness)) == 1  # nothing new was dead-lettered


async def test_a_redrive_that_fails_again_goes_back_to_the_dlq_once(harness: Harness) -> None:
    await publish(harness.infra.kafka, harness.names.physical(topics.PAYMENTS), payment(2))
    await harness.drain()
    (first,) = await dead_letters(harness)

    sent = await arcadia(harness, "dlq", "redrive", first["id"], "--yes")
    assert sent.exit_code == 0, sent.output
    await harness.drain()  # still broken: dead-lettered again, at its new position

    entries = await dead_letters(harness)
    assert len(entries) == 2
    again = next(e for e in entries if e["id"] != first["id"])
    assert again["redriven_from"] == first["id"]
    position = ("origin_partition", "origin_offset")
    assert [again[k] for k in position] != [first[k] for k in position]
    # A redrive by filter leaves the failed redrive alone: nothing goes round by itself.
    dry = await arcadia(harness, "dlq", "redrive", "--topic", topics.PAYMENTS, "--json")
    assert json.loads(dry.stdout)["would_redrive"] == [first["id"]]
    await harness.drain()
    assert len(await dead_letters(harness)) == 2
    assert await harness.applied_rows() == []
