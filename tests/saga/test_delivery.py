"""Invariant 3: duplicate delivery and replay from offset 0 create nothing twice."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import random
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from arcadia_contracts import topics
from arcadia_platform.topicnames import TopicNames
from arcadia_platform.topics_admin import PARTITIONS
from arcadia_testing.plugin import eventually, unique
from arcadia_testing.stack import Stack
from tests.saga.conftest import PATIENT
from tests.saga.test_saga import assert_completed

# Every saga here must complete: the services' own timeouts and deadlines, not the fast ones.
STACK_ENV = PATIENT
DUPLICATE = "test-duplicate"
SEED = 20261202  # of the copies' delays; change it to explore other interleavings
# What one completed provisioning saga makes each service publish (invariant 3: once each).
HAPPY_OUTBOX = {
    "api": [
        "DeploymentStateChanged",
        "DeploymentProvisioningRequested",
        "DeploymentStateChanged",
        "DeploymentActivated",
    ],
    # Each fact about a subscription carries its whole view for the gateway's read model.
    "billing": [
        "SubscriptionReserved",
        "SubscriptionChanged",
        "SubscriptionActivated",
        "SubscriptionChanged",
    ],
    "provisioner": ["DropletCreated", "DropletActive", "DnsPointed"],
    "inventory": ["ResourceRegistered", "ResourceLinked"],
}


class Duplicator:
    """Re-publishes every record of the stack's topics once, after a random delay: every saga
    event is delivered twice, the copy out of order with whatever came in between."""

    def __init__(self, stack: Stack, *, seed: int) -> None:
        names = TopicNames(stack.namespace)
        self._topics = [names.physical(t) for t in topics.OWN_TOPICS]
        self._kafka = stack.infra.kafka
        self._random = random.Random(seed)  # the delays, hence the shuffles, are reproducible
        self._read_up_to: dict[TopicPartition, int] = {}
        self._pending: set[asyncio.Task[None]] = set()
        self.copies: collections.Counter[bytes] = collections.Counter()  # by key

    def partitions(self) -> list[TopicPartition]:
        return [TopicPartition(t, p) for t in self._topics for p in range(PARTITIONS)]

    async def run(self, ready: asyncio.Event) -> None:
        consumer = AIOKafkaConsumer(bootstrap_servers=self._kafka, enable_auto_commit=False)
        producer = AIOKafkaProducer(bootstrap_servers=self._kafka)
        await consumer.start()
        await producer.start()
        try:
            tps = self.partitions()
            consumer.assign(tps)
            await consumer.seek_to_end(*tps)
            for tp in tps:
                self._read_up_to[tp] = await consumer.position(tp)
            ready.set()
            while True:
                batch = await consumer.getmany(timeout_ms=100)
                for tp, records in batch.items():
                    for record in records:
                        if any(k == DUPLICATE for k, _ in record.headers or ()):
                            continue
                        task = asyncio.create_task(self._copy(producer, record))
                        self._pending.add(task)
                        task.add_done_callback(self._pending.discard)
                    # Only once its copies are under way: `idle_at` must not count a record
                    # whose copy has not been scheduled yet.
                    self._read_up_to[tp] = records[-1].offset + 1
        finally:
            for task in self._pending:
                task.cancel()
            await producer.stop()
            await consumer.stop()

    async def _copy(self, producer: AIOKafkaProducer, record: Any) -> None:
        await asyncio.sleep(self._random.uniform(0, 0.3))
        headers = [*(record.headers or ()), (DUPLICATE, b"1")]
        await producer.send_and_wait(
            record.topic, value=record.value, key=record.key, headers=headers
        )
        self.copies[record.key] += 1

    def idle_at(self, ends: dict[TopicPartition, int]) -> bool:
        """Every record before `ends` has been read, and every copy is in Kafka."""
        read = all(self._read_up_to.get(tp, 0) >= end for tp, end in ends.items())
        return read and not self._pending


async def end_offsets(stack: Stack, tps: list[TopicPartition]) -> dict[TopicPartition, int]:
    consumer = AIOKafkaConsumer(bootstrap_servers=stack.infra.kafka)
    await consumer.start()
    try:
        ends: dict[TopicPartition, int] = await consumer.end_offsets(tps)
        return ends
    finally:
        await consumer.stop()


async def quiet(stack: Stack, duplicator: Duplicator) -> bool:
    """Every copy made and consumed: the duplicator has copied everything up to the topics' ends,
    every consumer group has committed those ends, and nothing was written meanwhile (a record
    written after the first look could have its copy still waiting in its random delay)."""
    tps = duplicator.partitions()
    before = await end_offsets(stack, tps)
    if not duplicator.idle_at(before) or not await stack.consumers_caught_up():
        return False
    return await end_offsets(stack, tps) == before


@pytest.fixture
async def duplicator(stack: Stack) -> AsyncIterator[Duplicator]:
    dup = Duplicator(stack, seed=SEED)
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

    await eventually(lambda: quiet(stack, duplicator), timeout_s=120, interval_s=0.5)
    events_per_saga = sum(len(v) for v in HAPPY_OUTBOX.values())
    for *_, deployment_id, _saga_id in sagas:
        assert duplicator.copies[deployment_id.encode()] >= events_per_saga, deployment_id
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
