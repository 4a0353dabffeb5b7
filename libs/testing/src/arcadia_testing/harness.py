"""A minimal service built from the platform runtime, run as its own process by pipeline tests.

    python -m arcadia_testing.harness relay    # publishes this database's outbox
    python -m arcadia_testing.harness consume  # handles Probe events into the `effects` table
    python -m arcadia_testing.harness produce N RATE PER_TXN  # writes N probes, relays them

Configured by ARCADIA_HARNESS_* variables (database_url, topic_namespace, faults, ...).
"""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from pathlib import Path
from typing import ClassVar
from uuid import NAMESPACE_URL, UUID, uuid5

from pydantic_settings import SettingsConfigDict

from arcadia_contracts import Envelope, Event, envelope
from arcadia_contracts.codec import REGISTRY, Registry
from arcadia_platform.consumer import Routes
from arcadia_platform.db import Connection
from arcadia_platform.runtime import ServiceRuntime
from arcadia_platform.settings import ServiceSettings

PROBE_TOPIC = "harness.probe.v1"
MIGRATIONS = Path(__file__).parent / "harness_migrations"


class Probe(Event, frozen=True, kw_only=True):
    """A test event: `seq` orders it within its key; `fail` makes the handler raise."""

    VERSION: ClassVar[int] = 1
    key: str
    seq: int
    sent_at: float
    fail: bool = False


HARNESS_REGISTRY = Registry([*REGISTRY.event_types(), Probe])


class HarnessSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ARCADIA_HARNESS_", extra="ignore")
    service_name: str = "harness"


def deployment_of(key: str) -> UUID:
    """A stable deployment id per probe key: the Kafka key is the deployment id."""
    return uuid5(NAMESPACE_URL, f"arcadia-harness:{key}")


def probe(key: str, seq: int, *, fail: bool = False) -> Envelope:
    return envelope(
        Probe(key=key, seq=seq, sent_at=time.time(), fail=fail),
        producer="harness",
        tenant_id="tenant-harness",
        deployment_id=deployment_of(key),
    )


class ProbeFailedError(Exception):
    """Raised on purpose for a Probe with fail=True."""


async def record_effect(conn: Connection, event: Envelope) -> None:
    payload = event.payload
    assert isinstance(payload, Probe)
    if payload.fail:
        raise ProbeFailedError(f"probe {payload.key}/{payload.seq} fails on purpose")
    await conn.execute(
        "INSERT INTO effects (event_id, key, seq, sent_at, handled_at) VALUES ($1, $2, $3, $4, $5)",
        event.event_id,
        payload.key,
        payload.seq,
        payload.sent_at,
        time.time(),
    )


async def produce(runtime: ServiceRuntime, count: int, rate: float, per_txn: int) -> None:
    """Write `count` probes through the outbox, `per_txn` per transaction, paced to `rate`/s
    (0 = as fast as possible), waking the in-process relay after each commit."""
    keys = [f"deployment-{n}" for n in range(16)]
    started = time.perf_counter()
    written = 0
    while written < count:
        batch = [
            probe(keys[(written + i) % len(keys)], written + i)
            for i in range(min(per_txn, count - written))
        ]
        async with runtime.pool.acquire() as conn, conn.transaction():
            await runtime.outbox.add(conn, PROBE_TOPIC, *batch)
        runtime.outbox.notify()
        written += len(batch)
        if rate > 0:
            ahead = written / rate - (time.perf_counter() - started)
            if ahead > 0:
                await asyncio.sleep(ahead)
    print(f'{{"event": "harness.produced", "count": {written}}}', flush=True)


async def run(mode: str) -> None:
    settings = HarnessSettings()
    routes = Routes()
    if mode == "consume":
        routes.on(PROBE_TOPIC, Probe, record_effect)
    runtime = ServiceRuntime(
        settings,
        migrations=[("harness", MIGRATIONS)],
        routes=routes,
        registry=HARNESS_REGISTRY,
        run_relay=mode in ("relay", "produce"),
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with runtime.running():
        print('{"event": "harness.ready"}', flush=True)
        if mode == "produce":
            await produce(runtime, int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]))
        await stop.wait()


if __name__ == "__main__":
    asyncio.run(run(sys.argv[1]))
