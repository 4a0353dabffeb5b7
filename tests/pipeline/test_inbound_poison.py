"""Inbound poison: one bad record costs one DLQ entry, never its batch (real Kafka, PostgreSQL)."""

from __future__ import annotations

from dataclasses import dataclass

from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from arcadia_contracts import Envelope, encode
from arcadia_contracts.topics import dlq
from arcadia_platform.topicnames import TopicNames
from arcadia_platform.topics_admin import ensure_topics
from arcadia_testing.harness import PROBE_TOPIC, probe
from arcadia_testing.plugin import eventually, read_topic, unique
from tests.pipeline.conftest import Pipeline, wait_ready

MAX_RECORD_BYTES = 4096
NOT_UTF8 = b"\xff\xfe\xfd"
UNKNOWN_TYPE = (
    b'{"event_id":"8f1b6c9e-5a53-4c1e-9a40-1e7c55a3f0a1","type":"NoSuchEvent","version":1,'
    b'"occurred_at":"2026-01-01T00:00:00Z","producer":"x","correlation_id":'
    b'"8f1b6c9e-5a53-4c1e-9a40-1e7c55a3f0a1","tenant_id":"t","payload":{}}'
)


@dataclass
class Sent:
    """One record as published: where it landed and what the consumer should make of it."""

    partition: int
    offset: int
    value: bytes | None
    headers: list[tuple[str, bytes | None]]
    reason: str | None = None  # the DLQ reason expected; None = a valid event to handle
    event: Envelope | None = None


class Publisher:
    def __init__(self, pipeline: Pipeline, producer: AIOKafkaProducer) -> None:
        self.topic = pipeline.topic
        self.producer = producer
        self.sent: list[Sent] = []

    async def raw(
        self,
        partition: int,
        value: bytes | None,
        reason: str | None,
        headers: list[tuple[str, bytes | None]] | None = None,
        event: Envelope | None = None,
    ) -> None:
        hdrs = headers or []
        meta = await self.producer.send_and_wait(
            self.topic,
            value=value,
            key=f"key-{partition}".encode(),  # one key per partition: "the same key"
            partition=partition,
            headers=hdrs,  # Kafka allows a null header value
        )
        self.sent.append(Sent(partition, meta.offset, value, hdrs, reason, event))

    async def valid(
        self, partition: int, seq: int, headers: list[tuple[str, bytes | None]] | None = None
    ) -> Envelope:
        event = probe(f"key-{partition}", seq)
        await self.raw(partition, encode(event), None, headers, event)
        return event


async def publish_mixed_batch(pub: Publisher) -> None:
    # Partition 0, one key: the reproduction (a valid event whose header is not UTF-8, then two
    # valid events) followed by every other kind of bad record, each between valid events.
    await pub.raw(0, encode(probe("key-0", 0)), "undecodable_header", [("traceparent", NOT_UTF8)])
    await pub.valid(0, 1)
    await pub.valid(0, 2)
    await pub.raw(0, None, "tombstone")
    await pub.valid(0, 3)
    await pub.raw(0, b"\x00\xffnot json at all", "undecodable")
    await pub.valid(0, 4)
    # FastStream's own decoder would parse this one by its content type, and raise.
    await pub.raw(0, b"{not json", "undecodable", [("content-type", b"application/json")])
    await pub.raw(0, b'{"hello": "world"}', "invalid_envelope")
    await pub.raw(0, UNKNOWN_TYPE, "unknown_type")
    future = encode(probe("key-0", 5)).replace(b'"version":1', b'"version":99', 1)
    await pub.raw(0, future, "unsupported_version")
    bad_payload = encode(probe("key-0", 6)).replace(b'"seq":6', b'"seq":"six"', 1)
    await pub.raw(0, bad_payload, "invalid_payload")
    await pub.valid(0, 7, [("content-type", b"text/plain")])
    # Partition 1: a null header value is legal Kafka, so that event is handled.
    await pub.valid(1, 0)
    await pub.valid(1, 1, [("x-null", None), ("event-type", b"Probe")])
    await pub.raw(1, encode(probe("key-1", 2)), "undecodable_header", [("x-bin", NOT_UTF8)])
    await pub.valid(1, 3)
    # Partition 2: an oversize record, then a valid event.
    await pub.raw(2, b"x" * (MAX_RECORD_BYTES + 1), "oversize")
    await pub.valid(2, 0)


async def committed_offsets(pipeline: Pipeline) -> dict[int, int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=pipeline.infra.kafka)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(pipeline.names.group("harness"))
    finally:
        await admin.close()
    return {tp.partition: meta.offset for tp, meta in offsets.items() if tp.topic == pipeline.topic}


async def end_offsets(pipeline: Pipeline, producer: AIOKafkaProducer) -> dict[int, int]:
    from aiokafka import AIOKafkaConsumer

    consumer = AIOKafkaConsumer(bootstrap_servers=pipeline.infra.kafka)
    await consumer.start()
    try:
        tps = [TopicPartition(pipeline.topic, p) for p in range(3)]
        ends = await consumer.end_offsets(tps)
    finally:
        await consumer.stop()
    return {tp.partition: offset for tp, offset in ends.items()}


async def test_each_bad_record_costs_one_dlq_entry_and_the_rest_of_its_batch_is_handled(
    pipeline: Pipeline,
) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=pipeline.infra.kafka, acks="all")
    await producer.start()
    try:
        pub = Publisher(pipeline, producer)
        # Everything is in the topic before the consumer starts, so its first batches mix them.
        await publish_mixed_batch(pub)
        valid = [s for s in pub.sent if s.reason is None]
        bad = [s for s in pub.sent if s.reason is not None]
        env = {"ARCADIA_HARNESS_CONSUMER_MAX_RECORD_BYTES": str(MAX_RECORD_BYTES)}
        pipeline.consumer.start(env)
        await wait_ready(pipeline.consumer)

        effects = await pipeline.wait_effects(len(valid))
        dead = await eventually(lambda: _at_least(pipeline, len(bad)), timeout_s=60)

        assert sorted(row["event_id"] for row in effects) == sorted(
            s.event.event_id for s in valid if s.event
        )
        assert len(dead) == len(bad)  # once each, nothing else
        by_origin = {(s.partition, s.offset): s for s in bad}
        for record in dead:
            h = dict(record.headers)
            origin = (int(h["dlq-origin-partition"]), int(h["dlq-origin-offset"]))
            sent = by_origin.pop(origin)
            assert h["dlq-reason"].decode() == sent.reason, origin
            assert h["dlq-origin-topic"].decode() == pipeline.topic
            assert h["dlq-consumer"] == b"harness"
            assert h["dlq-detail"]
            assert record.value == sent.value  # the bytes, untouched
            assert list(record.headers)[: len(sent.headers)] == sent.headers  # origin headers
        assert by_origin == {}

        ends = await end_offsets(pipeline, producer)

        async def committed_past_everything() -> bool:
            return await committed_offsets(pipeline) == ends

        await eventually(committed_past_everything, timeout_s=60)

        # A restart of the consumer re-handles nothing and dead-letters nothing again.
        pipeline.consumer.stop()
        log_before_restart = len(pipeline.consumer.output())
        pipeline.consumer.start(env)
        await wait_ready(pipeline.consumer)
        sentinels = [await pub.valid(p, 100) for p in range(3)]  # one behind each partition
        effects = await pipeline.wait_effects(len(valid) + len(sentinels))
        assert len(effects) == len(valid) + len(sentinels)
        after_restart = pipeline.consumer.output()[log_before_restart:]
        assert '"inbox.duplicate"' not in after_restart
        assert '"event.dead_lettered"' not in after_restart
        assert len(await read_topic(pipeline.infra.kafka, dlq(pipeline.topic))) == len(bad)
    finally:
        await producer.stop()


async def _at_least(pipeline: Pipeline, count: int) -> list[object] | None:
    records = await read_topic(pipeline.infra.kafka, dlq(pipeline.topic))
    return records if len(records) >= count else None


async def test_a_batch_redelivered_after_a_crash_does_not_dead_letter_a_record_twice(
    pipeline: Pipeline,
) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=pipeline.infra.kafka, acks="all")
    await producer.start()
    try:
        pub = Publisher(pipeline, producer)
        await pub.raw(0, b"\x00\xffnot json at all", "undecodable")
        event = await pub.valid(0, 1)
        # Dies after the DLQ publish and its note commit, before the batch's offsets are.
        pipeline.consumer.start({"ARCADIA_HARNESS_FAULTS": "consumer.after_dead_letter"})
        assert pipeline.consumer.wait_exit() == 137
        assert len(await read_topic(pipeline.infra.kafka, dlq(pipeline.topic))) == 1
        assert await pipeline.effects() == []

        pipeline.consumer.start()  # same group: the whole batch comes again
        effects = await pipeline.wait_effects(1)

        assert [row["event_id"] for row in effects] == [event.event_id]
        assert '"event.dead_letter_duplicate"' in pipeline.consumer.output()
        assert len(await read_topic(pipeline.infra.kafka, dlq(pipeline.topic))) == 1
    finally:
        await producer.stop()


async def test_a_record_the_dlq_cannot_take_is_redelivered_until_it_can(
    pipeline: Pipeline,
) -> None:
    # A namespace of its own, whose DLQ topic does not exist yet (topics are never auto-created):
    # the broker refuses the dead letter the way it would during trouble.
    names = TopicNames(unique("q").replace("_", ""))
    await ensure_topics(pipeline.infra.kafka, [PROBE_TOPIC], namespace=names.namespace)
    topic = names.physical(PROBE_TOPIC)
    bad, event = b"\x00\xffnot json at all", probe("key-0", 1)
    producer = AIOKafkaProducer(bootstrap_servers=pipeline.infra.kafka, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(topic, value=bad, partition=0)
        await producer.send_and_wait(topic, value=encode(event), partition=0)
    finally:
        await producer.stop()
    pipeline.consumer.start({"ARCADIA_HARNESS_TOPIC_NAMESPACE": names.namespace})

    async def refused_twice() -> bool:
        return pipeline.consumer.output().count('"event.dead_letter_failed"') >= 2

    await eventually(refused_twice, timeout_s=120)  # the same record, redelivered
    assert await pipeline.effects() == []  # nothing behind it was skipped either

    await ensure_topics(pipeline.infra.kafka, [dlq(PROBE_TOPIC)], namespace=names.namespace)

    effects = await pipeline.wait_effects(1, timeout_s=120)
    assert [row["event_id"] for row in effects] == [event.event_id]
    dead = await read_topic(pipeline.infra.kafka, dlq(topic))
    assert [(r.value, dict(r.headers)["dlq-reason"]) for r in dead] == [(bad, b"undecodable")]
