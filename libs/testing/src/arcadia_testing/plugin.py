"""Pytest plugin shared by every test suite: real Kafka and PostgreSQL, fresh databases and topics.

Loaded from the root conftest. The fixtures start the local stack (`infra/stack.py up`, idempotent)
unless `KAFKA_BOOTSTRAP_SERVERS` / `DATABASE_URL` name servers to use.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from arcadia_contracts import Envelope, decode, encode
from arcadia_platform.service_auth import DEV_SERVICE_SECRET, service_headers
from arcadia_platform.settings import (
    database_server_url,
    database_url_for,
    kafka_bootstrap_servers,
)
from arcadia_platform.topics_admin import NAMESPACES_USED, delete_namespaces, ensure_topics

ROOT = Path(__file__).resolve().parents[4]
# What the operators' CLI sends on the internal APIs of a development service (every service the
# tests start runs with ARCADIA_ENV=development and the built-in service secrets).
SERVICE_CREDENTIAL = service_headers("ops", DEV_SERVICE_SECRET)
# A test's own produce is bounded: aiokafka's sender task can die on a fatal produce error, and
# its producer then takes sends that never complete. A named failure beats pytest's 300 s timeout.
SEND_TIMEOUT_S = 30.0


def pytest_configure(config: pytest.Config) -> None:
    # The suite runs as a developer machine does (`make run` too): the built-in secrets are
    # accepted. Tests about refusing them clear or override it explicitly.
    os.environ.setdefault("ARCADIA_ENV", "development")


@dataclass(frozen=True)
class Infra:
    kafka: str
    database_server: str

    def database_url(self, name: str) -> str:
        return database_url_for(name, self.database_server)


@pytest.fixture(scope="session")
def infra() -> Iterator[Infra]:
    if not (os.environ.get("KAFKA_BOOTSTRAP_SERVERS") and os.environ.get("DATABASE_URL")):
        subprocess.run([sys.executable, str(ROOT / "infra" / "stack.py"), "up"], check=True)
    found = Infra(kafka=kafka_bootstrap_servers(), database_server=database_server_url())
    asyncio.run(ensure_topics(found.kafka))
    yield found
    # The session's own namespaces only: another session may be running on the same broker.
    try:
        deleted = asyncio.run(
            asyncio.wait_for(delete_namespaces(found.kafka, NAMESPACES_USED), timeout=120)
        )
        print(f"\n[arcadia] deleted the {deleted} topics of this session's namespaces")
    except Exception as error:
        print(f"\n[arcadia] could not delete this session's topics: {error!r}")


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


@pytest.fixture
async def database(infra: Infra) -> AsyncIterator[str]:
    """A new, empty database for one test; dropped afterwards."""
    name = unique("t")
    admin = await asyncpg.connect(infra.database_url("postgres"))
    try:
        await admin.execute(f"CREATE DATABASE {name}")
        yield infra.database_url(name)
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    finally:
        await admin.close()


@pytest.fixture
async def namespace(infra: Infra) -> str:
    """A fresh topic namespace with every Arcadia topic (and DLQ) created in it, for one test.

    Give it to services as ARCADIA_<SERVICE>_TOPIC_NAMESPACE (settings.topic_namespace): their
    topics and consumer groups are then this test's alone.
    """
    name = f"t{uuid.uuid4().hex[:10]}"
    await ensure_topics(infra.kafka, namespace=name)
    return name


async def read_topic(bootstrap: str, topic: str, *, timeout_s: float = 10.0) -> list[Any]:
    """Every record now in `topic`, read without a consumer group (offsets untouched)."""
    async with asyncio.timeout(timeout_s + SEND_TIMEOUT_S):  # the client's calls are bounded too
        return await _read_topic(bootstrap, topic, timeout_s)


async def _read_topic(bootstrap: str, topic: str, timeout_s: float) -> list[Any]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        (description,) = await admin.describe_topics([topic])
    finally:
        await admin.close()
    deadline = time.monotonic() + timeout_s
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p["partition"]) for p in description["partitions"]]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        end = await consumer.end_offsets(tps)
        records: list[Any] = []

        async def behind() -> bool:
            return any([await consumer.position(tp) < end[tp] for tp in tps])

        while await behind():
            if time.monotonic() > deadline:
                raise TimeoutError(f"reading {topic}")
            batch = await consumer.getmany(*tps, timeout_ms=500)
            for items in batch.values():
                records.extend(items)
        return records
    finally:
        await consumer.stop()


async def eventually(check: Any, *, timeout_s: float = 30.0, interval_s: float = 0.1) -> Any:
    """Await `check()` until it returns a truthy value; the last value, or TimeoutError."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"condition not met in {timeout_s}s (last: {value!r})")
        await asyncio.sleep(interval_s)


class ServiceProcess:
    """A service (or test harness) in its own OS process, so that tests can `kill -9` it."""

    def __init__(self, args: list[str], env: Mapping[str, str], log_path: Path) -> None:
        self.args = args
        self.env = {**os.environ, **env}
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, extra_env: Mapping[str, str] | None = None) -> ServiceProcess:
        log = open(self.log_path, "ab")  # noqa: SIM115 - owned by the child process
        self.proc = subprocess.Popen(
            self.args,
            env={**self.env, **(extra_env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
        return self

    def kill9(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill9()

    def wait_exit(self, timeout_s: float = 60.0) -> int:
        assert self.proc is not None
        return self.proc.wait(timeout_s)

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    async def wait_http(self, url: str, timeout_s: float = 60.0) -> None:
        async def up() -> bool:
            if self.proc and self.proc.poll() is not None:
                raise RuntimeError(f"{self.args} exited:\n{self.output()[-3000:]}")
            try:
                async with httpx.AsyncClient(timeout=1) as client:
                    return (await client.get(url)).status_code == 200
            except httpx.HTTPError:
                return False

        await eventually(up, timeout_s=timeout_s, interval_s=0.2)


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Any]:
    """Factory of ServiceProcess objects that are all stopped when the test ends."""
    started: list[ServiceProcess] = []

    def make(args: list[str], env: Mapping[str, str], name: str) -> ServiceProcess:
        proc = ServiceProcess(args, env, tmp_path / f"{name}.log")
        started.append(proc)
        return proc

    yield make
    for proc in started:
        proc.stop()


async def publish(bootstrap: str, topic: str, *events: Envelope) -> None:
    """Publish envelopes to a physical topic as another service would (key = deployment id)."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all")
    await producer.start()
    try:
        for event in events:
            async with asyncio.timeout(SEND_TIMEOUT_S):  # see SEND_TIMEOUT_S
                await producer.send_and_wait(topic, value=encode(event), key=event.key)
    finally:
        await producer.stop()


async def decoded(bootstrap: str, topic: str) -> list[Envelope]:
    """The decodable events now in a physical topic, in (partition, offset) order."""
    records = await read_topic(bootstrap, topic)
    return [decode(r.value) for r in sorted(records, key=lambda r: (r.partition, r.offset))]
