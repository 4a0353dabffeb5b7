"""Consumer lag for the operators' audit: each service's group (named after the service, in the
topic namespace), its state, live members and lag (end offset less committed offset)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import TypeVar

from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaConnectionError, NodeNotReadyError, RequestTimedOutError

from arcadia_platform.audit.report import GroupLag, PartitionLag
from arcadia_platform.topicnames import TopicNames

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


async def lag_of(
    admin: AIOKafkaAdminClient, consumer: AIOKafkaConsumer, names: TopicNames, service: str
) -> GroupLag:
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
    return GroupLag(
        service=service,
        group=group,
        state=described["state"],
        members=len(described["members"]),
        lag=sum(p.lag for p in partitions),
        partitions=partitions,
    )


async def group_lags(bootstrap: str, names: TopicNames, services: Sequence[str]) -> list[GroupLag]:
    """Each service's group and its lag, read with an admin client and a group-less consumer (it
    commits nothing, moves no offset)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await patiently(admin.start)
    try:
        await patiently(consumer.start)
        try:
            return [await lag_of(admin, consumer, names, s) for s in services]
        finally:
            await consumer.stop()
    finally:
        await admin.close()
