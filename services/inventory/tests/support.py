"""Test support: the inventory served for real in this event loop, saga event builders, probes."""

from __future__ import annotations

import asyncio
import itertools
import random
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import asyncpg
import httpx
import uvicorn
from aiokafka import AIOKafkaProducer
from litestar import Litestar

from arcadia_contracts import Envelope, Event, decode, encode, envelope, topics
from arcadia_contracts.events.deployments import DeploymentTeardownRequested, ProvisioningAborted
from arcadia_contracts.events.provisioner import DropletActive
from arcadia_inventory.app import create_app
from arcadia_inventory.config import InventorySettings
from arcadia_platform.runtime import ServiceRuntime
from arcadia_platform.topicnames import TopicNames
from arcadia_platform.topics_admin import ensure_topics
from arcadia_testing.plugin import (
    SEND_TIMEOUT_S,
    SERVICE_CREDENTIAL,
    Infra,
    eventually,
    read_topic,
    unique,
)

_droplet_ids = itertools.count(random.randint(10**8, 9 * 10**8))
PRODUCER_OF = {
    topics.DEPLOYMENTS: "api",
    topics.BILLING: "billing",
    topics.PROVISIONER: "provisioner",
    topics.INVENTORY: "inventory",
}


def next_droplet_id() -> int:
    return next(_droplet_ids)


@dataclass(frozen=True)
class Saga:
    """One provisioning saga of one deployment; builds the events other services would publish."""

    tenant_id: str = field(default_factory=lambda: f"tenant-{uuid.uuid4().hex[:8]}")
    deployment_id: UUID = field(default_factory=uuid.uuid4)
    saga_id: UUID = field(default_factory=uuid.uuid4)
    correlation_id: UUID = field(default_factory=uuid.uuid4)

    def event(self, payload: Event, producer: str, **fields: Any) -> Envelope:
        values: dict[str, Any] = {
            "tenant_id": self.tenant_id,
            "deployment_id": self.deployment_id,
            "saga_id": self.saga_id,
            **fields,
        }
        return envelope(payload, producer=producer, correlation_id=self.correlation_id, **values)

    def droplet_active(
        self,
        droplet_id: int,
        *,
        size: str = "s-1vcpu-1gb",
        region: str = "nyc3",
        ip_address: str = "203.0.113.10",
    ) -> Envelope:
        payload = DropletActive(
            droplet_id=droplet_id, ip_address=ip_address, region=region, size=size
        )
        return self.event(payload, "provisioner")

    def aborted(self, topic: str, failed_step: str = "point_dns") -> Envelope:
        payload = ProvisioningAborted(failed_step=failed_step, reason="injected by the test")
        return self.event(payload, PRODUCER_OF[topic])

    def teardown(self, to_state: str = "cancelled") -> Envelope:
        return self.event(DeploymentTeardownRequested(to_state=to_state), "api", saga_id=None)


def settings_for(
    infra: Infra, database_url: str, namespace: str, **extra: Any
) -> InventorySettings:
    return InventorySettings(
        database_url=database_url,
        kafka_bootstrap_servers=infra.kafka,
        topic_namespace=namespace,
        relay_poll_interval_s=0.05,
        consumer_max_attempts=3,
        consumer_backoff_base_s=0.02,
        consumer_backoff_max_s=0.2,
        log_level="WARNING",
        **extra,
    )


@asynccontextmanager
async def served(app: Any) -> AsyncIterator[str]:
    """Serve an ASGI app with uvicorn in this event loop on a free loopback port (lifespan on)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, lifespan="on", log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError("the server stopped during startup")
            await asyncio.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        sock.close()


@dataclass(kw_only=True)
class Observer:
    """Talks to the inventory's topics and database the way the rest of the platform would."""

    infra: Infra
    names: TopicNames
    database_url: str
    producer: AIOKafkaProducer
    injected: set[UUID] = field(default_factory=set)

    async def publish(self, topic: str, *events: Envelope) -> None:
        for event in events:
            self.injected.add(event.event_id)
            async with asyncio.timeout(SEND_TIMEOUT_S):
                await self.producer.send_and_wait(
                    self.names.physical(topic), key=event.key, value=encode(event)
                )

    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(self.database_url)
        try:
            return list(await conn.fetch(sql, *args))
        finally:
            await conn.close()

    async def wait_handled(self, *events: Envelope) -> None:
        """Until the inventory's inbox holds every one of `events`: their effects are committed."""
        ids = [event.event_id for event in events]

        async def handled() -> bool:
            rows = await self.fetch("SELECT event_id FROM inbox WHERE event_id = ANY($1)", ids)
            return len(rows) == len(ids)

        await eventually(handled, timeout_s=30)

    async def published(self, saga: Saga | None = None) -> list[Envelope]:
        """What the inventory itself published (for `saga`'s deployment), once its outbox is empty.

        Events the test injected into the inventory topic are left out."""

        async def relayed() -> bool:
            rows = await self.fetch("SELECT id FROM outbox WHERE sent_at IS NULL")
            return not rows

        await eventually(relayed, timeout_s=30)
        records = await read_topic(self.infra.kafka, self.names.physical(topics.INVENTORY))
        events = [decode(record.value) for record in records]  # offset order per partition
        events = [e for e in events if e.event_id not in self.injected]
        if saga is None:
            return events
        return [e for e in events if e.deployment_id == saga.deployment_id]

    async def wait_published(self, saga: Saga, count: int) -> list[Envelope]:
        async def enough() -> list[Envelope] | None:
            events = await self.published(saga)
            return events if len(events) >= count else None

        found: list[Envelope] = await eventually(enough, timeout_s=30)
        return found

    async def resources(self, saga: Saga) -> list[asyncpg.Record]:
        return await self.fetch(
            "SELECT r.*, l.unlinked_at, l.deployment_id AS linked_to FROM resources r"
            " LEFT JOIN resource_links l ON l.resource_id = r.id"
            " WHERE r.deployment_id = $1 ORDER BY r.registered_at",
            saga.deployment_id,
        )


@dataclass(kw_only=True)
class Inventory(Observer):
    """The inventory service running in this process, and an HTTP client for its API."""

    app: Litestar
    http: httpx.AsyncClient

    @property
    def runtime(self) -> ServiceRuntime:
        runtime: ServiceRuntime = self.app.state.runtime
        return runtime


@asynccontextmanager
async def observing(infra: Infra, database_url: str, namespace: str) -> AsyncIterator[Observer]:
    """An observer only, for a service run as a separate process."""
    producer = AIOKafkaProducer(bootstrap_servers=infra.kafka, enable_idempotence=True)
    await producer.start()
    try:
        yield Observer(
            infra=infra, names=TopicNames(namespace), database_url=database_url, producer=producer
        )
    finally:
        await producer.stop()


@asynccontextmanager
async def fresh_database(infra: Infra) -> AsyncIterator[str]:
    name = unique("inv")
    admin = await asyncpg.connect(infra.database_url("postgres"))
    try:
        await admin.execute(f"CREATE DATABASE {name}")
        yield infra.database_url(name)
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    finally:
        await admin.close()


async def fresh_namespace(infra: Infra) -> str:
    name = f"t{uuid.uuid4().hex[:10]}"
    await ensure_topics(infra.kafka, namespace=name)
    return name


@asynccontextmanager
async def running_inventory(
    infra: Infra, database_url: str, namespace: str, **settings: Any
) -> AsyncIterator[Inventory]:
    app = create_app(settings_for(infra, database_url, namespace, **settings))
    producer = AIOKafkaProducer(bootstrap_servers=infra.kafka, enable_idempotence=True)
    await producer.start()
    try:
        async with (
            served(app) as base_url,
            httpx.AsyncClient(base_url=base_url, headers=SERVICE_CREDENTIAL) as http,
        ):
            yield Inventory(
                infra=infra,
                names=TopicNames(namespace),
                database_url=database_url,
                producer=producer,
                app=app,
                http=http,
            )
    finally:
        await producer.stop()


def payload_types(events: list[Envelope]) -> list[str]:
    return [event.type for event in events]
