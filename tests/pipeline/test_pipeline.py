"""The reliable event pipeline, proven against a real Kafka broker and a real PostgreSQL server."""

from __future__ import annotations

import collections
import itertools

from arcadia_contracts.topics import dlq
from arcadia_testing.harness import deployment_of, probe
from arcadia_testing.plugin import eventually, read_topic
from tests.pipeline.conftest import Pipeline, wait_ready


def headers(record: object) -> dict[str, str]:
    return {k: v.decode() for k, v in getattr(record, "headers", ())}


async def test_an_event_written_to_one_outbox_is_handled_once_by_another_service(
    pipeline: Pipeline,
) -> None:
    pipeline.relay.start()
    pipeline.consumer.start()
    await wait_ready(pipeline.relay)
    await wait_ready(pipeline.consumer)
    event = probe("deployment-1", 1)

    await pipeline.write([event])

    effects = await pipeline.wait_effects(1)
    assert [row["event_id"] for row in effects] == [event.event_id]
    published = await read_topic(pipeline.infra.kafka, pipeline.topic)
    assert len(published) == 1
    assert headers(published[0])["event-type"] == "Probe"


async def test_relay_killed_after_kafka_acked_republishes_and_the_inbox_absorbs_it(
    pipeline: Pipeline,
) -> None:
    pipeline.relay.start({"ARCADIA_HARNESS_FAULTS": "relay.after_publish"})
    await wait_ready(pipeline.relay)
    events = [probe("deployment-1", seq) for seq in range(3)]

    await pipeline.write(events)

    assert pipeline.relay.wait_exit() == 137  # died between Kafka's ack and marking rows sent
    pipeline.relay.start()  # restarted without the fault: publishes the same rows again
    pipeline.consumer.start()
    await wait_ready(pipeline.consumer)

    async def published_twice() -> bool:
        return len(await read_topic(pipeline.infra.kafka, pipeline.topic)) == 6

    await eventually(published_twice)
    effects = await pipeline.wait_effects(3)
    await eventually(lambda: _duplicates_logged(pipeline, 3))
    effects = await pipeline.effects()
    assert sorted(row["seq"] for row in effects) == [0, 1, 2]  # each effect once


async def _duplicates_logged(pipeline: Pipeline, count: int) -> bool:
    return pipeline.consumer.output().count('"inbox.duplicate"') >= count


async def test_consumer_killed_before_committing_its_offset_redoes_nothing(
    pipeline: Pipeline,
) -> None:
    pipeline.relay.start()
    pipeline.consumer.start({"ARCADIA_HARNESS_FAULTS": "consumer.after_commit"})
    await wait_ready(pipeline.relay)
    await wait_ready(pipeline.consumer)
    event = probe("deployment-1", 1)

    await pipeline.write([event])

    # The handler's transaction committed, then the process died before the offset commit.
    assert pipeline.consumer.wait_exit() == 137
    assert len(await pipeline.effects()) == 1
    pipeline.consumer.start()  # same consumer group: Kafka hands the message out again
    await eventually(lambda: _duplicates_logged(pipeline, 1))
    assert [row["event_id"] for row in await pipeline.effects()] == [event.event_id]


async def test_poison_messages_are_dead_lettered_and_the_partition_moves_on(
    pipeline: Pipeline,
) -> None:
    pipeline.relay.start()
    pipeline.consumer.start()
    await wait_ready(pipeline.relay)
    await wait_ready(pipeline.consumer)
    key = str(deployment_of("deployment-poison")).encode()  # same partition as the probes
    future = probe("deployment-poison", 1)
    future_bytes = future_version(future)

    await pipeline.publish_raw(b"\x00\xffnot json at all", key=key)
    await pipeline.publish_raw(
        b'{"event_id":"8f1b6c9e-5a53-4c1e-9a40-1e7c55a3f0a1","type":"NoSuchEvent","version":1,'
        b'"occurred_at":"2026-01-01T00:00:00Z","producer":"x","correlation_id":'
        b'"8f1b6c9e-5a53-4c1e-9a40-1e7c55a3f0a1","tenant_id":"t","payload":{}}',
        key=key,
    )
    await pipeline.publish_raw(future_bytes, key=key)
    await pipeline.write([probe("deployment-poison", 2, fail=True)])  # the handler always raises
    healthy = probe("deployment-poison", 3)
    await pipeline.write([healthy])

    effects = await pipeline.wait_effects(1)
    assert [row["event_id"] for row in effects] == [healthy.event_id]
    dead = await eventually(
        lambda: _records_at_least(pipeline, dlq(pipeline.topic), 4), timeout_s=30
    )
    reasons = [headers(record)["dlq-reason"] for record in dead]
    assert sorted(reasons) == sorted(
        ["undecodable", "unknown_type", "unsupported_version", "handler_failed"]
    )
    for record in dead:
        h = headers(record)
        assert h["dlq-origin-topic"] == pipeline.topic
        assert int(h["dlq-origin-offset"]) >= 0
        assert h["dlq-detail"]
    assert dead[0].value == b"\x00\xffnot json at all"  # the original bytes, untouched


async def _records_at_least(pipeline: Pipeline, topic: str, count: int) -> list[object] | None:
    records = await read_topic(pipeline.infra.kafka, topic)
    return records if len(records) >= count else None


def future_version(event: object) -> bytes:
    from arcadia_contracts import encode

    return encode(event).replace(b'"version":1', b'"version":99', 1)  # type: ignore[arg-type]


async def test_per_key_order_holds_across_a_batch_of_interleaved_keys(pipeline: Pipeline) -> None:
    pipeline.relay.start()
    pipeline.consumer.start()
    await wait_ready(pipeline.relay)
    await wait_ready(pipeline.consumer)
    keys = [f"deployment-{n}" for n in range(12)]
    per_key = 25
    # Round-robin over keys: key order interleaves in every transaction and every relay batch.
    events = [probe(key, seq) for seq, key in itertools.product(range(per_key), keys)]

    await pipeline.write(events, batch=70)

    effects = await pipeline.wait_effects(len(events))
    seen: dict[str, list[int]] = collections.defaultdict(list)
    for row in effects:  # rows in the order the consumer handled them
        seen[row["key"]].append(row["seq"])
    assert set(seen) == set(keys)
    for key in keys:
        assert seen[key] == list(range(per_key)), key
