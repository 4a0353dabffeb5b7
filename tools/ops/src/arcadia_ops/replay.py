"""Rewinding a stopped service's consumer group: where to, refusing while it has live members, and
how far the group has come back since.

The design (docs/design-notes.md, "Operators' toolbox"): the service must be stopped. A rewind is
a commit of new offsets in the group's name, which Kafka only takes from outside the group while
the group is empty; a live member would also overwrite it with its own next commit. So the CLI
describes the group first and refuses while it has members. The inbox makes the replay apply
nothing twice: every event comes back, and each handler's transaction finds its
`(consumer, event_id)` already there.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.structs import OffsetAndMetadata

from arcadia_ops.kafka_state import group_lags, kafka, patiently
from arcadia_ops.places import Places


class ReplayRefused(Exception):
    """The rewind would not be safe or makes no sense; the message says why."""


@dataclass(frozen=True)
class Target:
    """Where to rewind: `beginning`, a moment, or one partition's offset."""

    beginning: bool = False
    moment: datetime | None = None
    partition: int | None = None
    offset: int | None = None


@dataclass(frozen=True)
class Moved:
    topic: str  # logical name
    partition: int
    before: int
    after: int


@dataclass(frozen=True)
class Rewind:
    service: str
    group: str
    partitions: list[Moved]

    @property
    def events(self) -> int:
        """How many records the group will read again (committed before less rewound to)."""
        return sum(max(0, m.before - m.after) for m in self.partitions)


def parse_partition_offset(value: str) -> tuple[int, int]:
    partition, sep, offset = value.partition(":")
    if not sep or not partition.isdigit() or not offset.isdigit():
        raise ReplayRefused(f"--from-offset {value!r}: give PARTITION:OFFSET, e.g. 0:42")
    return int(partition), int(offset)


async def _targets(
    consumer: AIOKafkaConsumer, tps: list[TopicPartition], target: Target
) -> dict[TopicPartition, int]:
    starts = await consumer.beginning_offsets(tps)
    ends = await consumer.end_offsets(tps)
    if target.beginning:
        return dict(starts)
    if target.moment is not None:
        stamp = int(target.moment.timestamp() * 1000)
        found = await consumer.offsets_for_times({tp: stamp for tp in tps})
        # No record at or after the moment: nothing to read again there (the end).
        return {tp: found[tp].offset if found[tp] else ends[tp] for tp in tps}
    assert target.offset is not None
    chosen = [tp for tp in tps if tp.partition == target.partition]
    if not chosen:
        raise ReplayRefused(f"the group has read no partition {target.partition} of that topic")
    for tp in chosen:
        if not starts[tp] <= target.offset <= ends[tp]:
            raise ReplayRefused(
                f"offset {target.offset} is outside {tp.topic}:{tp.partition}"
                f" ({starts[tp]}..{ends[tp]})"
            )
    return {tp: target.offset for tp in chosen}


async def rewind(
    places: Places, service: str, target: Target, topic: str | None = None, *, dry_run: bool
) -> Rewind:
    """Commit the target offsets in the service's group, on every partition it has read (or of
    `topic`); refused while the group has live members."""
    names = places.names
    group = names.group(service)
    if target.offset is not None and topic is None:
        raise ReplayRefused("--from-offset needs --topic")
    async with kafka(places) as (admin, consumer):
        (response,) = await patiently(partial(admin.describe_consumer_groups, [group]))
        (described,) = response.to_object()["groups"]
        if described["members"]:
            raise ReplayRefused(
                f"{service}'s group {group} has {len(described['members'])} live member(s)"
                f" ({described['state']}): stop every {service} process first"
            )
        committed = await patiently(partial(admin.list_consumer_group_offsets, group))
        tps = sorted(
            (
                tp
                for tp, meta in committed.items()
                if meta.offset >= 0 and (topic is None or tp.topic == names.physical(topic))
            ),
            key=lambda tp: (tp.topic, tp.partition),
        )
        if not tps:
            raise ReplayRefused(f"{service}'s group {group} has read nothing of {topic or 'any'}")
        targets = await _targets(consumer, tps, target)
    moved = [
        Moved(names.logical(tp.topic), tp.partition, committed[tp].offset, targets[tp])
        for tp in sorted(targets, key=lambda tp: (tp.topic, tp.partition))
    ]
    if not dry_run:
        await _commit(places, group, {tp: OffsetAndMetadata(o, "") for tp, o in targets.items()})
    return Rewind(service, group, moved)


async def _commit(
    places: Places, group: str, offsets: dict[TopicPartition, OffsetAndMetadata]
) -> None:
    # Assigned, never subscribed: the consumer joins no group, it only commits in its name
    # (Kafka takes that from outside an empty group).
    consumer = AIOKafkaConsumer(
        bootstrap_servers=places.kafka_bootstrap_servers, group_id=group, enable_auto_commit=False
    )
    await patiently(consumer.start)
    try:
        consumer.assign(list(offsets))
        await consumer.commit(offsets)
    finally:
        await consumer.stop()


async def wait_caught_up(
    places: Places,
    service: str,
    *,
    timeout_s: float,
    on_lag: Callable[[int, int], None],
    interval_s: float = 0.5,
) -> int:
    """Poll the group's lag until it is 0 with a live member (the service is running again and
    has read everything); `on_lag(lag, members)` after each look. Returns the last lag (non-zero:
    the timeout passed first)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while True:
        (state,) = await group_lags(places, (service,))
        on_lag(state.lag, state.members)
        if state.lag == 0 and state.members:
            return 0
        if loop.time() >= deadline:
            return state.lag
        await asyncio.sleep(interval_s)
