"""Dead letters: read the `<topic>.dlq` topics (the reason and origin ride in `dlq-*` headers, see
arcadia_platform.dlq) and redrive one: its original key, value and headers go back to the origin
topic with an `arcadia-redriven-from` header. The consumers' inbox makes it take effect once; if it
fails again the consumer dead-letters it again at its new position (a new entry that still carries
the header), and nothing sends it back by itself, so a redrive never loops."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Final, Protocol

import asyncpg
from aiokafka import AIOKafkaProducer, TopicPartition

from arcadia_contracts.topics import ALL_TOPICS, DLQ_SUFFIX
from arcadia_ops.collect import READ_ONLY
from arcadia_ops.kafka_state import kafka, patiently
from arcadia_ops.places import Places

REDRIVEN_FROM: Final = "arcadia-redriven-from"
DLQ_PREFIX: Final = "dlq-"
DLQ_TOPICS: Final = tuple(t for t in ALL_TOPICS if t.endswith(DLQ_SUFFIX))

Header = tuple[str, bytes | None]


class KafkaRecord(Protocol):
    """What is read of a record (aiokafka's ConsumerRecord, which mypy cannot see into)."""

    @property
    def topic(self) -> str: ...
    @property
    def partition(self) -> int: ...
    @property
    def offset(self) -> int: ...
    @property
    def timestamp(self) -> int: ...
    @property
    def key(self) -> bytes | None: ...
    @property
    def value(self) -> bytes | None: ...
    @property
    def headers(self) -> Sequence[Header]: ...


@dataclass(frozen=True)
class DeadLetter:
    id: str  # "<dlq topic>:<partition>:<offset>", the topic without namespace
    topic: str
    partition: int
    offset: int
    at: datetime
    reason: str
    detail: str
    consumer: str
    origin_topic: str
    origin_partition: int | None
    origin_offset: int | None
    redriven_from: str | None  # set: this entry is a redrive that failed again
    omitted: bool  # too large for the DLQ: the copy has no value, the origin still does
    key: bytes | None = field(repr=False)
    value: bytes | None = field(repr=False)
    headers: list[Header] = field(repr=False)

    def original_headers(self) -> list[Header]:
        """The headers the record had at its origin: without ours, without an earlier redrive's."""
        return [
            (k, v) for k, v in self.headers if not k.startswith(DLQ_PREFIX) and k != REDRIVEN_FROM
        ]


def _text(headers: dict[str, bytes | None], name: str) -> str | None:
    value = headers.get(name)
    return value.decode("utf-8", "replace") if value is not None else None


def _int(value: str | None) -> int | None:
    return int(value) if value is not None and value.lstrip("-").isdigit() else None


def from_record(record: KafkaRecord, places: Places) -> DeadLetter:
    """A DLQ entry from a record of a (physical) DLQ topic."""
    names = places.names
    topic = names.logical(record.topic)
    partition, offset = record.partition, record.offset
    headers: list[Header] = list(record.headers or ())
    by_name = dict(headers)
    origin = _text(by_name, "dlq-origin-topic") or topic.removesuffix(DLQ_SUFFIX)
    return DeadLetter(
        id=f"{topic}:{partition}:{offset}",
        topic=topic,
        partition=partition,
        offset=offset,
        at=datetime.fromtimestamp(record.timestamp / 1000, UTC),
        reason=_text(by_name, "dlq-reason") or "unknown",
        detail=_text(by_name, "dlq-detail") or "",
        consumer=_text(by_name, "dlq-consumer") or "",
        origin_topic=names.logical(origin),
        origin_partition=_int(_text(by_name, "dlq-origin-partition")),
        origin_offset=_int(_text(by_name, "dlq-origin-offset")),
        redriven_from=_text(by_name, REDRIVEN_FROM),
        omitted="dlq-omitted" in by_name,
        key=record.key,
        value=record.value,
        headers=headers,
    )


@dataclass(frozen=True)
class Filters:
    topic: str | None = None  # the origin topic or its DLQ
    reason: str | None = None
    since: datetime | None = None

    def match(self, letter: DeadLetter) -> bool:
        if self.topic is not None and self.topic not in (letter.topic, letter.origin_topic):
            return False
        if self.reason is not None and letter.reason != self.reason:
            return False
        return self.since is None or letter.at >= self.since


async def read(
    places: Places,
    filters: Filters = Filters(),
    *,
    on_total: Callable[[int], None] | None = None,
    on_read: Callable[[int], None] | None = None,
) -> list[DeadLetter]:
    """Every DLQ entry up to the end offsets seen at the start, oldest first per partition."""
    names = places.names
    wanted = [t for t in DLQ_TOPICS if filters.topic in (None, t, t.removesuffix(DLQ_SUFFIX))]
    async with kafka(places) as (admin, consumer):
        physical = [names.physical(t) for t in wanted]
        described = await patiently(lambda: admin.describe_topics(physical))
        tps = [
            TopicPartition(t["topic"], p["partition"])
            for t in described
            if not t.get("error_code")
            for p in t["partitions"]
        ]
        if not tps:
            return []
        starts = await consumer.beginning_offsets(tps)
        ends = await consumer.end_offsets(tps)
        todo = [tp for tp in tps if ends[tp] > starts[tp]]
        if on_total is not None:
            on_total(sum(ends[tp] - starts[tp] for tp in todo))
        found: list[DeadLetter] = []
        if not todo:
            return found
        consumer.assign(todo)
        await consumer.seek_to_beginning(*todo)
        while todo:
            batch = await consumer.getmany(*todo, timeout_ms=500, max_records=2000)
            for tp, records in batch.items():
                mine = [r for r in records if r.offset < ends[tp]]
                found.extend(d for r in mine if filters.match(d := from_record(r, places)))
                if on_read is not None:
                    on_read(len(mine))
            todo = [tp for tp in todo if await consumer.position(tp) < ends[tp]]
    return sorted(found, key=lambda d: (d.at, d.topic, d.partition, d.offset))


class NotRedrivable(Exception):
    """The entry's copy cannot be sent back as it was (no value: a tombstone, or omitted)."""


def check_redrivable(letter: DeadLetter) -> None:
    if letter.omitted:
        raise NotRedrivable(
            f"{letter.id}: too large for the DLQ, its value was left out; the original is at"
            f" {letter.origin_topic} partition {letter.origin_partition} offset"
            f" {letter.origin_offset}"
        )
    if letter.value is None:
        raise NotRedrivable(f"{letter.id}: a tombstone (null value) is no event")


async def redrive(
    places: Places, letters: list[DeadLetter], *, on_sent: Callable[[int], None] | None = None
) -> list[tuple[DeadLetter, int, int]]:
    """Send each entry back to its origin; returns (entry, partition, offset) where it landed."""
    for letter in letters:
        check_redrivable(letter)
    producer = AIOKafkaProducer(
        bootstrap_servers=places.kafka_bootstrap_servers, acks="all", enable_idempotence=True
    )
    await producer.start()
    sent = []
    try:
        for letter in letters:
            meta = await producer.send_and_wait(
                places.names.physical(letter.origin_topic),
                key=letter.key,
                value=letter.value,
                headers=[*letter.original_headers(), (REDRIVEN_FROM, letter.id.encode())],
            )
            sent.append((letter, meta.partition, meta.offset))
            if on_sent is not None:
                on_sent(1)
    finally:
        await producer.stop()
    return sent


NOTED = """
SELECT reason, detail, dead_lettered_at FROM dead_letters
WHERE consumer = $1 AND topic = $2 AND kafka_partition = $3 AND kafka_offset = $4
"""


async def noted(places: Places, letter: DeadLetter) -> dict[str, object] | None:
    """The consuming service's own note of the entry (its `dead_letters` row), if it has one."""
    url = places.databases.get(letter.consumer)
    if url is None or letter.origin_partition is None:
        return None
    conn = await asyncpg.connect(url, server_settings=READ_ONLY)
    try:
        row = await conn.fetchrow(
            NOTED,
            letter.consumer,
            places.names.physical(letter.origin_topic),
            letter.origin_partition,
            letter.origin_offset,
        )
    finally:
        await conn.close()
    return dict(row) if row is not None else None
