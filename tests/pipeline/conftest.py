"""Fixtures that stand up two harness processes: a relay (producer side) and a consumer."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer

from arcadia_contracts import Envelope
from arcadia_contracts.topics import dlq
from arcadia_platform.outbox import Outbox
from arcadia_platform.topicnames import TopicNames
from arcadia_platform.topics_admin import ensure_topics
from arcadia_testing.harness import PROBE_TOPIC
from arcadia_testing.plugin import Infra, ServiceProcess, eventually, unique


@dataclass
class Pipeline:
    infra: Infra
    names: TopicNames
    producer_db: str
    consumer_db: str
    relay: ServiceProcess
    consumer: ServiceProcess

    @property
    def topic(self) -> str:
        return self.names.physical(PROBE_TOPIC)

    async def write(self, events: list[Envelope], *, batch: int = 1000) -> None:
        """Commit events to the producer's outbox, `batch` per transaction (the relay is woken
        by its poll: the writer here is another process)."""
        outbox = Outbox(self.names)
        conn = await asyncpg.connect(self.producer_db)
        try:
            for start in range(0, len(events), batch):
                async with conn.transaction():
                    await outbox.add(conn, PROBE_TOPIC, *events[start : start + batch])
        finally:
            await conn.close()

    async def effects(self) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(self.consumer_db)
        try:
            return list(await conn.fetch("SELECT * FROM effects ORDER BY id"))
        except asyncpg.UndefinedTableError:
            return []
        finally:
            await conn.close()

    async def wait_effects(self, count: int, timeout_s: float = 60.0) -> list[asyncpg.Record]:
        async def enough() -> list[asyncpg.Record] | None:
            rows = await self.effects()
            return rows if len(rows) >= count else None

        result: list[asyncpg.Record] = await eventually(enough, timeout_s=timeout_s)
        return result

    async def publish_raw(self, value: bytes, key: bytes | None = None) -> None:
        producer = AIOKafkaProducer(bootstrap_servers=self.infra.kafka)
        await producer.start()
        try:
            await producer.send_and_wait(self.topic, value=value, key=key)
        finally:
            await producer.stop()


async def wait_ready(proc: ServiceProcess) -> None:
    async def ready() -> bool:
        if proc.proc is not None and proc.proc.poll() is not None:
            raise RuntimeError(f"harness exited early:\n{proc.output()[-3000:]}")
        return "harness.ready" in proc.output()

    await eventually(ready, timeout_s=60)


@pytest.fixture
async def pipeline(infra: Infra, processes: Callable[..., ServiceProcess]) -> AsyncIterator[Any]:
    names = TopicNames(unique("p").replace("_", ""))
    await ensure_topics(infra.kafka, [PROBE_TOPIC, dlq(PROBE_TOPIC)], namespace=names.namespace)
    admin = await asyncpg.connect(infra.database_url("postgres"))
    dbs = [unique("pipe_prod"), unique("pipe_cons")]
    for name in dbs:
        await admin.execute(f"CREATE DATABASE {name}")

    def harness(mode: str, db: str) -> ServiceProcess:
        env = {
            "ARCADIA_HARNESS_DATABASE_URL": infra.database_url(db),
            "ARCADIA_HARNESS_TOPIC_NAMESPACE": names.namespace,
            "ARCADIA_HARNESS_RELAY_POLL_INTERVAL_S": "0.05",
            "ARCADIA_HARNESS_CONSUMER_MAX_ATTEMPTS": "3",
            "ARCADIA_HARNESS_CONSUMER_BACKOFF_BASE_S": "0.02",
            "ARCADIA_HARNESS_CONSUMER_BACKOFF_MAX_S": "0.2",
            "KAFKA_BOOTSTRAP_SERVERS": infra.kafka,
        }
        return processes([sys.executable, "-m", "arcadia_testing.harness", mode], env, mode)

    yield Pipeline(
        infra=infra,
        names=names,
        producer_db=infra.database_url(dbs[0]),
        consumer_db=infra.database_url(dbs[1]),
        relay=harness("relay", dbs[0]),
        consumer=harness("consume", dbs[1]),
    )
    for name in dbs:
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    await admin.close()
