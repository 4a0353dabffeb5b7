"""Retention purges against the real Kafka and PostgreSQL: old rows go, recent ones stay, and a
replay of everything Kafka still holds after a purge applies nothing twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, RecordsToDelete
from pydantic import ValidationError

from arcadia_contracts import Envelope, envelope, topics
from arcadia_contracts.events.deployments import DeploymentStateChanged
from arcadia_platform.db import Connection, migrate
from arcadia_platform.retention import RETENTION_LOCK, Retention, outbox_purge
from arcadia_platform.runtime import PLATFORM_MIGRATIONS, ServiceRuntime
from arcadia_platform.settings import ServiceSettings
from arcadia_testing.plugin import Infra, eventually, publish

DAY = timedelta(days=1)
APPLIED = "CREATE TABLE IF NOT EXISTS applied (event_id uuid PRIMARY KEY, times integer NOT NULL)"


def changed(actor: str, deployment: UUID) -> Envelope:
    return envelope(
        DeploymentStateChanged(from_state="active", to_state="suspended", actor=actor),
        producer="test",
        tenant_id="t",
        deployment_id=deployment,
    )


def service(infra: Infra, database: str, namespace: str) -> ServiceRuntime:
    settings = ServiceSettings(
        service_name="keeper",
        database_url=database,
        kafka_bootstrap_servers=infra.kafka,
        topic_namespace=namespace,
        retention_interval_s=3600.0,  # the test runs its rounds itself, with its own `now`
        retention_batch_size=2,  # several batches per purge
        log_json=False,
    )
    runtime = ServiceRuntime(settings)

    async def apply(conn: Connection, event: Envelope) -> None:
        await conn.execute(
            "INSERT INTO applied VALUES ($1, 1)"
            " ON CONFLICT (event_id) DO UPDATE SET times = applied.times + 1",
            event.event_id,
        )

    runtime.routes.on(topics.DEPLOYMENTS, DeploymentStateChanged, apply)
    return runtime


async def purge(retention: Retention, now: datetime) -> dict[str, int]:
    # The runtime's own round at start may hold the lock for a moment: then this one is skipped.
    result: dict[str, int] = await eventually(lambda: retention.purge_once(now), timeout_s=10)
    return result


async def delete_records_before(bootstrap: str, tp: TopicPartition, offset: int) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.delete_records({tp: RecordsToDelete(before_offset=offset)}, timeout_ms=10_000)
    finally:
        await admin.close()


async def rewind_to_log_start(bootstrap: str, group: str, tp: TopicPartition) -> None:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group)
    await consumer.start()
    try:
        consumer.assign([tp])
        start = (await consumer.beginning_offsets([tp]))[tp]
        await consumer.commit({tp: start})
    finally:
        await consumer.stop()


async def test_purges_keep_what_a_replay_needs_and_a_replay_applies_nothing_twice(
    infra: Infra, database: str, namespace: str
) -> None:
    conn = await asyncpg.connect(database)
    await conn.execute(APPLIED)
    deployment = uuid4()  # one key: every event lands on one partition, in order
    events = [changed(f"e{i}", deployment) for i in range(6)]
    runtime = service(infra, database, namespace)
    topic = runtime.topic_names.physical(topics.DEPLOYMENTS)
    async with runtime.running():
        # offsets 0..5, then e1 again at offset 6, as a relay that published it twice would.
        await publish(infra.kafka, topic, *events, events[1])

        async def handled() -> bool:
            rows = await conn.fetch(
                "SELECT kafka_offset FROM inbox WHERE event_id = $1", events[1].event_id
            )
            return len(rows) == 1 and rows[0]["kafka_offset"] == 6

        await eventually(handled)
        partition = await conn.fetchval("SELECT kafka_partition FROM inbox LIMIT 1")
        tp = TopicPartition(topic, partition)
        now = datetime.now(UTC)
        await delete_records_before(infra.kafka, tp, 4)  # Kafka drops e0..e3

        assert runtime.retention is not None
        # Today: every inbox row is younger than the least age, so none goes yet.
        assert (await purge(runtime.retention, now))["inbox"] == 0
        assert await conn.fetchval("SELECT count(*) FROM inbox") == 6

        # Eight days on: the rows of e0, e2 and e3 go (Kafka no longer holds them); e1's row
        # names its copy at offset 6, which Kafka still holds; e4 and e5 stay too.
        removed = await purge(runtime.retention, now + 8 * DAY)
        assert removed["inbox"] == 3
        kept = await conn.fetch("SELECT event_id, kafka_offset FROM inbox ORDER BY kafka_offset")
        assert [r["kafka_offset"] for r in kept] == [4, 5, 6]

    # Replay everything Kafka still holds: nothing is applied twice.
    await rewind_to_log_start(infra.kafka, runtime.topic_names.group("keeper"), tp)
    marker = changed("marker", deployment)
    replay = service(infra, database, namespace)
    async with replay.running():
        await publish(infra.kafka, topic, marker)
        await eventually(
            lambda: conn.fetchval("SELECT true FROM applied WHERE event_id = $1", marker.event_id)
        )
    times = {r["event_id"]: r["times"] for r in await conn.fetch("SELECT * FROM applied")}
    await conn.close()
    assert times == {e.event_id: 1 for e in [*events, marker]}


async def test_sent_outbox_rows_go_after_their_retention_unsent_and_parked_ones_never(
    database: str,
) -> None:
    pool = await asyncpg.create_pool(database, min_size=1, max_size=2)
    try:
        await migrate(pool, [("platform", PLATFORM_MIGRATIONS)])
        now = datetime.now(UTC)
        rows = [  # (what, created_at, sent_at, parked_at)
            *[("old", now - 9 * DAY, now - 8 * DAY, None)] * 5,
            ("recent", now - 2 * DAY, now - DAY, None),
            ("unsent", now - 9 * DAY, None, None),
            ("parked", now - 9 * DAY, None, now - 9 * DAY),
        ]
        await pool.executemany(
            "INSERT INTO outbox (event_id, topic, value, created_at, sent_at, parked_at)"
            " VALUES ($1, 'x', $2, $3, $4, $5)",
            [(uuid4(), what.encode(), *times) for what, *times in rows],
        )
        retention = Retention(
            pool, [outbox_purge(7 * DAY.total_seconds())], batch_size=2, interval_s=60
        )

        assert await retention.purge_once(now) == {"outbox": 5}  # in three batches of <= 2
        left = await pool.fetch("SELECT value FROM outbox ORDER BY id")
        assert [bytes(r["value"]) for r in left] == [b"recent", b"unsent", b"parked"]
        assert await retention.purge_once(now) == {"outbox": 0}
        assert retention.removed == {"outbox": 5}
        # A second instance finds the round taken and skips it.
        async with pool.acquire() as other:
            await other.execute("SELECT pg_advisory_lock($1)", RETENTION_LOCK)
            assert await retention.purge_once(now + 30 * DAY) is None
            await other.execute("SELECT pg_advisory_unlock($1)", RETENTION_LOCK)
    finally:
        await pool.close()


def test_the_inbox_must_outlive_the_outbox() -> None:
    with pytest.raises(ValidationError, match="inbox_retention_min_s"):
        ServiceSettings(outbox_retention_s=3600, inbox_retention_min_s=3600)
    ServiceSettings(outbox_retention_s=3600, inbox_retention_min_s=3601, retention_interval_s=1)
