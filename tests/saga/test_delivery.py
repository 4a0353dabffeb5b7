"""Invariant 3: duplicate delivery and replay from offset 0 create nothing twice."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from arcadia_contracts import topics
from arcadia_platform.testing import eventually, unique
from arcadia_platform.topicnames import TopicNames
from tests.saga.test_saga import assert_completed
from tests.stack import Stack

DUPLICATE = "test-duplicate"
# What one completed provisioning saga makes each service publish (invariant 3: once each).
HAPPY_OUTBOX = {
    "api": [
        "DeploymentStateChanged",
        "DeploymentProvisioningRequested",
        "DeploymentStateChanged",
        "DeploymentActivated",
    ],
    "billing": ["SubscriptionReserved", "SubscriptionActivated"],
    "provisioner": ["DropletCreated", "DropletActive", "DnsPointed"],
    "inventory": ["ResourceRegistered", "ResourceLinked"],
}


class Duplicator:
    """Re-publishes every record of the stack's topics once, after a random delay: every saga
    event is delivered twice, the copy out of order with whatever came in between."""

    def __init__(self, stack: Stack) -> None:
        names = TopicNames(stack.namespace)
        self._topics = [names.physical(t) for t in topics.OWN_TOPICS]
        self._kafka = stack.infra.kafka
        self.copied = 0

    async def run(self, ready: asyncio.Event) -> None:
        consumer = AIOKafkaConsumer(bootstrap_servers=self._kafka, enable_auto_commit=False)
        producer = AIOKafkaProducer(bootstrap_servers=self._kafka)
        await consumer.start()
        await producer.start()
        pending: set[asyncio.Task[None]] = set()
        try:
            tps = [TopicPartition(t, p) for t in self._topics for p in range(3)]
            consumer.assign(tps)
            await consumer.seek_to_end(*tps)
            for tp in tps:
                await consumer.position(tp)
            ready.set()
            while True:
                batch = await consumer.getmany(timeout_ms=100)
                for records in batch.values():
                    for record in records:
                        if any(k == DUPLICATE for k, _ in record.headers or ()):
                            continue
                        task = asyncio.create_task(self._copy(producer, record))
                        pending.add(task)
                        task.add_done_callback(pending.discard)
        finally:
            for task in pending:
                task.cancel()
            await producer.stop()
            await consumer.stop()

    async def _copy(self, producer: AIOKafkaProducer, record: Any) -> None:
        await asyncio.sleep(random.uniform(0, 0.3))
        headers = [*(record.headers or ()), (DUPLICATE, b"1")]
        await producer.send_and_wait(
            record.topic, value=record.value, key=record.key, headers=headers
        )
        self.copied += 1


@pytest.fixture
async def duplicator(stack: Stack) -> AsyncIterator[Duplicator]:
    dup = Duplicator(stack)
    ready = asyncio.Event()
    task = asyncio.create_task(dup.run(ready))
    await asyncio.wait_for(ready.wait(), 30)
    yield dup
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def provision_many(stack: Stack, client: httpx.AsyncClient, n: int) -> list[tuple[str, ...]]:
    async def one(i: int) -> tuple[str, ...]:
        tenant = unique("dup").replace("_", "-")
        deployment_id, saga_id = await stack.provision(client, tenant, f"app{i}")
        await stack.wait_terminal(client, tenant, deployment_id, saga_id)
        return tenant, f"app{i}", deployment_id, saga_id

    return list(await asyncio.gather(*(one(i) for i in range(n))))


async def check_once_each(
    stack: Stack, client: httpx.AsyncClient, sagas: list[tuple[str, ...]]
) -> None:
    for tenant, slug, deployment_id, saga_id in sagas:
        detail = await stack.detail(client, tenant, deployment_id)
        holdings = await stack.settled_holdings(client, tenant, slug, deployment_id, saga_id)
        assert_completed(detail, holdings)
        for service, expected in HAPPY_OUTBOX.items():
            assert await stack.outbox_types(service, deployment_id) == expected, service


async def test_every_saga_event_delivered_twice_and_shuffled_changes_nothing(
    stack: Stack, client: httpx.AsyncClient, duplicator: Duplicator
) -> None:
    sagas = await provision_many(stack, client, 6)

    await eventually(stack.consumers_caught_up, timeout_s=30, interval_s=0.5)
    assert duplicator.copied >= 6 * sum(len(v) for v in HAPPY_OUTBOX.values())
    await check_once_each(stack, client, sagas)


async def test_a_replay_from_offset_zero_changes_nothing(
    stack: Stack, client: httpx.AsyncClient
) -> None:
    sagas = await provision_many(stack, client, 4)
    await eventually(stack.consumers_caught_up, timeout_s=30, interval_s=0.5)

    def skipped() -> int:
        return sum(stack.processes[s].output().count('"inbox.duplicate"') for s in HAPPY_OUTBOX)

    before = skipped()
    for service in ("billing", "inventory", "provisioner", "api"):
        stack.processes[service].stop()
        await stack.rewind_consumer_group(service)
        await stack.start(service)
    await eventually(stack.consumers_caught_up, timeout_s=60, interval_s=0.5)

    await check_once_each(stack, client, sagas)
    # Every event of those sagas was handed out again, and skipped by the inbox.
    assert skipped() - before >= 4 * 11
