"""Several outbox relays on one database: every event published, per-key order kept."""

from __future__ import annotations

import asyncio
import collections
import contextlib
from uuid import NAMESPACE_URL, uuid5

from aiokafka import AIOKafkaProducer

from arcadia_contracts import decode, envelope, topics
from arcadia_contracts.events.deployments import DeploymentStateChanged
from arcadia_platform.db import create_pool, migrate
from arcadia_platform.outbox import Outbox, OutboxRelay
from arcadia_platform.runtime import PLATFORM_MIGRATIONS
from arcadia_platform.topicnames import TopicNames
from arcadia_testing.plugin import Infra, eventually, read_topic


async def test_concurrent_relays_publish_everything_once_in_key_order(
    infra: Infra, database: str, namespace: str
) -> None:
    names = TopicNames(namespace)
    pool = await create_pool(database, max_size=8)
    await migrate(pool, [("platform", PLATFORM_MIGRATIONS)])
    producers = [
        AIOKafkaProducer(bootstrap_servers=infra.kafka, enable_idempotence=True, acks="all")
        for _ in range(3)
    ]
    outbox = Outbox(names)
    relays = [OutboxRelay(pool, p, outbox, batch_size=7, poll_interval_s=0.01) for p in producers]
    keys = [uuid5(NAMESPACE_URL, f"relay-test-{n}") for n in range(5)]
    written = []
    for seq in range(40):
        async with pool.acquire() as conn, conn.transaction():
            for deployment in keys:
                event = envelope(
                    DeploymentStateChanged(from_state=None, to_state="active", actor=str(seq)),
                    producer="test",
                    tenant_id="t",
                    deployment_id=deployment,
                )
                written.append(event)
                await outbox.add(conn, topics.DEPLOYMENTS, event)
    for producer in producers:
        await producer.start()
    tasks = [asyncio.create_task(relay.run()) for relay in relays]
    try:

        async def all_sent() -> bool:
            async with pool.acquire() as conn:
                unsent: int = await conn.fetchval(
                    "SELECT count(*) FROM outbox WHERE sent_at IS NULL"
                )
                return unsent == 0

        await eventually(all_sent)
    finally:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for producer in producers:
            await producer.stop()
        await pool.close()

    records = await read_topic(infra.kafka, names.physical(topics.DEPLOYMENTS))
    received = [decode(r.value) for r in sorted(records, key=lambda r: (r.partition, r.offset))]
    assert sorted(e.event_id for e in received) == sorted(e.event_id for e in written)
    by_key: dict[object, list[int]] = collections.defaultdict(list)
    for event in received:
        assert isinstance(event.payload, DeploymentStateChanged)
        by_key[event.deployment_id].append(int(event.payload.actor))
    assert all(seqs == list(range(40)) for seqs in by_key.values())
    assert sum(relay.published for relay in relays) == len(written)
