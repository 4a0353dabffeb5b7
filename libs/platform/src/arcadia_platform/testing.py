"""Pytest plugin shared by every test suite: real Kafka and PostgreSQL, fresh databases and topics.

Loaded from the root conftest. The fixtures start the local stack (`infra/stack.py up`, idempotent)
unless `KAFKA_BOOTSTRAP_SERVERS` / `DATABASE_URL` name servers to use.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
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
from arcadia_platform.settings import (
    database_server_url,
    database_url_for,
    kafka_bootstrap_servers,
)
from arcadia_platform.topics_admin import ensure_topics

ROOT = Path(__file__).resolve().parents[4]


@dataclass(frozen=True)
class Infra:
    kafka: str
    database_server: str

    def database_url(self, name: str) -> str:
        return database_url_for(name, self.database_server)


@pytest.fixture(scope="session")
def infra() -> Infra:
    if not (os.environ.get("KAFKA_BOOTSTRAP_SERVERS") and os.environ.get("DATABASE_URL")):
        subprocess.run([sys.executable, str(ROOT / "infra" / "stack.py"), "up"], check=True)
    found = Infra(kafka=kafka_bootstrap_servers(), database_server=database_server_url())
    asyncio.run(ensure_topics(found.kafka))
    return found


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


# Ports handed to services are picked below the kernel's ephemeral range, so that no outgoing
# connection (Kafka, PostgreSQL, httpx clients of every test on the machine) nor any `bind(0)` can
# take one between the moment it is picked and the moment the service binds it, or while a killed
# service is down before its restart. Processes that pick ports this way coordinate through a lock
# file per port, held until the process exits.
_PORT_LOCKS = Path(tempfile.gettempdir()) / "arcadia-test-ports"
_PORT_SPAN = 12_000
_reserved_ports: dict[int, int] = {}  # port -> descriptor of its held lock file
_refusing_sockets: list[socket.socket] = []


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default; macOS's range starts higher still


def _bindable(port: int) -> bool:
    # As a server binds (uvicorn sets SO_REUSEADDR): a port in TIME_WAIT is fine, a listener not.
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _lock(port: int) -> int | None:
    try:
        descriptor = os.open(_PORT_LOCKS / f"{port}.lock", os.O_RDWR | os.O_CREAT, 0o666)
    except PermissionError:  # another user's lock file: treat the port as theirs
        return None
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(descriptor)
        return None
    return descriptor


def free_port() -> int:
    """A loopback TCP port that nothing listens on, reserved for this process until it exits.

    Safe to bind seconds later, and again after the service on it was killed: the port is outside
    the kernel's ephemeral range and no other caller of `free_port` (in any process) gets it.
    """
    _PORT_LOCKS.mkdir(parents=True, exist_ok=True)
    high = max(_ephemeral_low(), 2048)
    low = max(1024, high - _PORT_SPAN)
    start = random.randrange(low, high)  # spreads concurrent sessions over the span
    for offset in range(high - low):
        port = low + (start - low + offset) % (high - low)
        if port in _reserved_ports:
            continue
        descriptor = _lock(port)
        if descriptor is None:
            continue
        if _bindable(port):
            _reserved_ports[port] = descriptor
            return port
        os.close(descriptor)  # someone outside the scheme holds it: leave it to them
    raise RuntimeError(f"no free loopback port in {low}..{high - 1}")


def refusing_port() -> int:
    """A loopback port that refuses every connection until this process exits: an upstream that
    is down. A socket is bound there and never listens, so no one else can take the port later
    in the session and answer in the test's place."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    _refusing_sockets.append(sock)
    port: int = sock.getsockname()[1]
    return port


async def publish(bootstrap: str, topic: str, *events: Envelope) -> None:
    """Publish envelopes to a physical topic as another service would (key = deployment id)."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all")
    await producer.start()
    try:
        for event in events:
            await producer.send_and_wait(topic, value=encode(event), key=event.key)
    finally:
        await producer.stop()


async def decoded(bootstrap: str, topic: str) -> list[Envelope]:
    """The decodable events now in a physical topic, in (partition, offset) order."""
    records = await read_topic(bootstrap, topic)
    return [decode(r.value) for r in sorted(records, key=lambda r: (r.partition, r.offset))]
