"""What Kafka holds: every topic's partitions and end offsets, and each service's consumer group's
committed offsets, members and lag (end offset less committed offset)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from arcadia_contracts.topics import ALL_TOPICS
from arcadia_ops.places import SERVICES, Places
from arcadia_platform.audit.lag import lag_of, patiently
from arcadia_platform.audit.report import GroupLag, PartitionLag


@dataclass(frozen=True)
class PartitionOffsets:
    topic: str  # logical name (without the namespace)
    partition: int
    start: int
    end: int


__all__ = ["GroupLag", "PartitionLag", "PartitionOffsets", "group_lags", "kafka", "patiently"]


@asynccontextmanager
async def kafka(places: Places) -> AsyncIterator[tuple[AIOKafkaAdminClient, AIOKafkaConsumer]]:
    """An admin client and a group-less consumer (it commits nothing, moves no offset)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=places.kafka_bootstrap_servers)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=places.kafka_bootstrap_servers, enable_auto_commit=False
    )
    await patiently(admin.start)
    try:
        await patiently(consumer.start)
        try:
            yield admin, consumer
        finally:
            await consumer.stop()
    finally:
        await admin.close()


async def topic_offsets(places: Places) -> list[PartitionOffsets]:
    """Every Arcadia topic (DLQs included) of the namespace, partition by partition."""
    names = places.names
    async with kafka(places) as (admin, consumer):
        wanted = [names.physical(t) for t in ALL_TOPICS]
        described = await patiently(lambda: admin.describe_topics(wanted))
        tps = [
            TopicPartition(t["topic"], p["partition"])
            for t in described
            if not t.get("error_code")
            for p in t["partitions"]
        ]
        starts = await consumer.beginning_offsets(tps) if tps else {}
        ends = await consumer.end_offsets(tps) if tps else {}
    return sorted(
        (
            PartitionOffsets(names.logical(tp.topic), tp.partition, starts[tp], ends[tp])
            for tp in tps
        ),
        key=lambda p: (p.topic, p.partition),
    )


async def group_lags(places: Places, services: tuple[str, ...] = SERVICES) -> list[GroupLag]:
    """Each service's group (named after the service, in the namespace) and its lag."""
    async with kafka(places) as (admin, consumer):
        return [await lag_of(admin, consumer, places.names, s) for s in services]
