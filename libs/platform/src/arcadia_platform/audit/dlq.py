"""DLQ counts by topic and reason for the operators' status page: the `<topic>.dlq` topics read
from the beginning up to the end offsets seen at the start, bounded in records and time (a huge
DLQ gives a partial count, said so, never a page that hangs). The reason rides in the
`dlq-reason` header (arcadia_platform.dlq); the tally itself is pure."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from arcadia_contracts.topics import ALL_TOPICS, DLQ_SUFFIX
from arcadia_platform.audit.lag import patiently
from arcadia_platform.topicnames import TopicNames

DLQ_TOPICS = tuple(t for t in ALL_TOPICS if t.endswith(DLQ_SUFFIX))
REASON_HEADER = "dlq-reason"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class DlqCount:
    topic: str  # the DLQ topic, logical (without the namespace)
    reason: str
    count: int


@dataclass
class DlqSummary:
    counts: list[DlqCount] = field(default_factory=list)
    total: int = 0  # every entry in the DLQs (end less beginning offsets), read or not
    read: int = 0
    complete: bool = True  # False: the bound was hit, `counts` covers `read` entries only

    def to_json(self) -> dict[str, object]:
        return {
            "counts": [c.__dict__ for c in self.counts],
            "total": self.total,
            "read": self.read,
            "complete": self.complete,
        }


def reason_of(headers: Sequence[tuple[str, bytes]] | None) -> str:
    for key, value in headers or ():
        if key == REASON_HEADER:
            return value.decode("utf-8", "replace") or UNKNOWN
    return UNKNOWN


def tally(entries: Iterable[tuple[str, str]]) -> list[DlqCount]:
    """(topic, reason) pairs -> counts, the largest first, then by topic and reason."""
    counted = Counter(entries)
    return [
        DlqCount(topic, reason, n)
        for (topic, reason), n in sorted(counted.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


async def dlq_summary(
    bootstrap: str, names: TopicNames, *, max_records: int = 20_000, budget_s: float = 5.0
) -> DlqSummary:
    """Count every DLQ entry by topic and reason, up to `max_records` or `budget_s` seconds."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await patiently(admin.start)
    try:
        await patiently(consumer.start)
        try:
            return await _count(admin, consumer, names, max_records, budget_s)
        finally:
            await consumer.stop()
    finally:
        await admin.close()


async def _count(
    admin: AIOKafkaAdminClient,
    consumer: AIOKafkaConsumer,
    names: TopicNames,
    max_records: int,
    budget_s: float,
) -> DlqSummary:
    described = await patiently(
        lambda: admin.describe_topics([names.physical(t) for t in DLQ_TOPICS])
    )
    tps = [
        TopicPartition(t["topic"], p["partition"])
        for t in described
        if not t.get("error_code")
        for p in t["partitions"]
    ]
    if not tps:
        return DlqSummary()
    starts = await consumer.beginning_offsets(tps)
    ends = await consumer.end_offsets(tps)
    todo = [tp for tp in tps if ends[tp] > starts[tp]]
    summary = DlqSummary(total=sum(ends[tp] - starts[tp] for tp in todo))
    if not todo:
        return summary
    consumer.assign(todo)
    await consumer.seek_to_beginning(*todo)
    seen: list[tuple[str, str]] = []
    give_up = time.monotonic() + budget_s
    while todo and len(seen) < max_records and time.monotonic() < give_up:
        batch = await consumer.getmany(*todo, timeout_ms=300, max_records=2000)
        for tp, records in batch.items():
            topic = names.logical(tp.topic)
            seen += [(topic, reason_of(r.headers)) for r in records if r.offset < ends[tp]]
        todo = [tp for tp in todo if await consumer.position(tp) < ends[tp]]
    summary.read = len(seen)
    summary.complete = not todo
    summary.counts = tally(seen)
    return summary
