"""Invariants 3 and 5 for inventory: a kill -9 after a commit, and a replay from offset 0."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from arcadia_contracts import topics
from arcadia_inventory.handlers.routes import ABORT_TOPICS
from arcadia_platform.topicnames import TopicNames
from arcadia_platform.topics_admin import PARTITIONS
from arcadia_testing.plugin import Infra, ServiceProcess, eventually
from arcadia_testing.ports import free_port
from services.inventory.tests.support import (
    Saga,
    fresh_database,
    fresh_namespace,
    next_droplet_id,
    observing,
    payload_types,
    running_inventory,
)

pytestmark = pytest.mark.integration
CONSUMER = "inventory"
KAFKA_CALL_TIMEOUT_S = 30.0


async def test_a_kill_9_right_after_the_registration_commits_registers_once(
    infra: Infra, database: str, namespace: str, processes: Callable[..., ServiceProcess]
) -> None:
    port = free_port()
    env = {
        "ARCADIA_INVENTORY_DATABASE_URL": database,
        "ARCADIA_INVENTORY_TOPIC_NAMESPACE": namespace,
        "ARCADIA_INVENTORY_HTTP_PORT": str(port),
        "ARCADIA_INVENTORY_RELAY_POLL_INTERVAL_S": "0.05",
        "KAFKA_BOOTSTRAP_SERVERS": infra.kafka,
    }
    service = processes([sys.executable, "-m", "arcadia_inventory"], env, "inventory")
    service.start({"ARCADIA_INVENTORY_FAULTS": "consumer.after_commit"})
    await service.wait_http(f"http://127.0.0.1:{port}/health")
    saga = Saga()
    async with observing(infra, database, namespace) as observer:
        await observer.publish(topics.PROVISIONER, saga.droplet_active(next_droplet_id()))

        assert await asyncio.to_thread(service.wait_exit) == 137
        assert len(await observer.resources(saga)) == 1  # the handler's transaction committed
        service.start()  # without the fault: the same message comes again, uncommitted offset

        async def redelivered() -> bool:
            return '"inbox.duplicate"' in service.output()

        await eventually(redelivered)
        assert payload_types(await observer.published(saga)) == [
            "ResourceRegistered",
            "ResourceLinked",
        ]
        (row,) = await observer.resources(saga)
        assert row["status"] == "active"


async def test_a_replay_from_offset_zero_creates_no_second_resource_or_event(infra: Infra) -> None:
    completed, aborted = Saga(), Saga()
    async with fresh_database(infra) as database_url:
        namespace = await fresh_namespace(infra)
        async with running_inventory(infra, database_url, namespace) as inventory:
            await inventory.publish(topics.PROVISIONER, completed.droplet_active(next_droplet_id()))
            abort = aborted.aborted(topics.BILLING)
            await inventory.publish(topics.BILLING, abort)
            await inventory.wait_handled(abort)  # other topic: not ordered with what follows
            late = aborted.droplet_active(next_droplet_id())
            await inventory.publish(topics.PROVISIONER, late)
            await inventory.wait_published(completed, 2)
            await inventory.wait_handled(late)
            before = await inventory.published()
            handled = len(await inventory.fetch("SELECT 1 FROM inbox"))
        names = TopicNames(namespace)
        assert await committed_offsets(infra, names) >= handled
        await rewind(infra, names)

        async with running_inventory(infra, database_url, namespace) as replayed:

            async def all_seen_again() -> bool:
                consumer = replayed.runtime.consumer
                return consumer is not None and consumer.duplicates >= handled

            await eventually(all_seen_again)
            after = await replayed.published()
            resources = await replayed.fetch("SELECT deployment_id, status FROM resources")

    assert handled == 3
    assert sorted(str(e.event_id) for e in after) == sorted(str(e.event_id) for e in before)
    assert sorted(payload_types(before)) == [
        "ResourceLinked",
        "ResourceRegistered",
        "ResourceReleased",
    ]
    assert [(r["deployment_id"], r["status"]) for r in resources] == [
        (completed.deployment_id, "active")
    ]


def partitions(names: TopicNames) -> list[TopicPartition]:
    return [
        TopicPartition(names.physical(topic), p)
        for topic in ABORT_TOPICS
        for p in range(PARTITIONS)
    ]


async def committed_offsets(infra: Infra, names: TopicNames) -> int:
    admin = AIOKafkaAdminClient(bootstrap_servers=infra.kafka)
    await admin.start()
    try:
        async with asyncio.timeout(KAFKA_CALL_TIMEOUT_S):  # fails with a name instead of hanging
            offsets = await admin.list_consumer_group_offsets(names.group(CONSUMER))
    finally:
        await admin.close()
    return sum(max(meta.offset, 0) for meta in offsets.values())


async def rewind(infra: Infra, names: TopicNames) -> None:
    """What an operator does to replay: the group's committed offsets back to 0."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=infra.kafka, group_id=names.group(CONSUMER), enable_auto_commit=False
    )
    await consumer.start()
    try:
        consumer.assign(partitions(names))
        async with asyncio.timeout(KAFKA_CALL_TIMEOUT_S):
            await consumer.commit({tp: 0 for tp in partitions(names)})
    finally:
        await consumer.stop()
