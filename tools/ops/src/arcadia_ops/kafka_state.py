"""What Kafka holds: every topic's partitions and end offsets, and each service's consumer group's
committed offsets, members and lag (end offset less committed offset)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaConnectionError, NodeNotReadyError, RequestTimedOutError

from arcadia_contracts.topics import ALL_TOPICS
from arcadia_ops.places import SERVICES, Places
from arcadia_platform.audit.report import GroupLag as GroupLag
from arcadia_platform.audit.report import PartitionLag as PartitionLag


@dataclass(frozen=True)
class PartitionOffsets:
    topic: str  # logical name (without the namespace)
    partition: int
    start: int
    end: int


T = TypeVar("T")
# A busy broker may not take a new connection at once; the admin client does not wait for one.
TRANSIENT = (NodeNotReadyError, KafkaConnectionError, RequestTimedOutError)
ATTEMPTS = 5


async def patiently(call: Callable[[], Awaitable[T]]) -> T:
    """`call()`, tried again (0.2, 0.4, 0.8, 1.6 s later) while the broker is not ready for it."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return await call()
        except TRANSIENT:
            if attempt == ATTEMPTS:
                raise
            await asyncio.sleep(0.1 * 2**attempt)
    raise AssertionError("unreachable")


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
    names = places.names
    found: list[GroupLag] = []
    async with kafka(places) as (admin, consumer):
        for service in services:
            group = names.group(service)
            committed = await patiently(partial(admin.list_consumer_group_offsets, group))
            (response,) = await patiently(partial(admin.describe_consumer_groups, [group]))
            (described,) = response.to_object()["groups"]
            tps = [tp for tp, meta in committed.items() if meta.offset >= 0]
            ends = await consumer.end_offsets(tps) if tps else {}
            partitions = sorted(
                (
                    PartitionLag(
                        names.logical(tp.topic),
                        tp.partition,
                        committed[tp].offset,
                        ends[tp],
                        max(0, ends[tp] - committed[tp].offset),
                    )
                    for tp in tps
                ),
                key=lambda p: (p.topic, p.partition),
            )
            found.append(
                GroupLag(
                    service=service,
                    group=group,
                    state=described["state"],
                    members=len(described["members"]),
                    lag=sum(p.lag for p in partitions),
                    partitions=partitions,
                )
            )
    return found
