"""One billing app for the whole billing suite: a private database and topic namespace."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaProducer

from arcadia_billing.app import create_app
from arcadia_billing.config import BillingSettings
from arcadia_platform.topicnames import TopicNames
from arcadia_platform.topics_admin import ensure_topics
from arcadia_testing.plugin import SERVICE_CREDENTIAL, Infra, unique
from services.billing.tests.support import BillingStack, SettableClock


@asynccontextmanager
async def running_billing(infra: Infra) -> AsyncIterator[BillingStack]:
    """A billing app on a new database and topic namespace, dropped afterwards."""
    name = unique("billing")
    namespace = unique("tb").replace("_", "")
    admin = await asyncpg.connect(infra.database_url("postgres"))
    await admin.execute(f"CREATE DATABASE {name}")
    await ensure_topics(infra.kafka, namespace=namespace)
    settings = BillingSettings(
        database_url=infra.database_url(name),
        kafka_bootstrap_servers=infra.kafka,
        topic_namespace=namespace,
        relay_poll_interval_s=0.1,
        consumer_max_attempts=2,
        consumer_backoff_base_s=0.02,
        consumer_backoff_max_s=0.1,
        log_level="WARNING",
        cycle_enabled=False,  # a test runs the cycle itself: `stack.app.state.cycle.tick()`
    )
    clock = SettableClock()
    app = create_app(settings, clock=clock)
    producer = AIOKafkaProducer(bootstrap_servers=infra.kafka, enable_idempotence=True)
    await producer.start()
    started, stop = asyncio.Event(), asyncio.Event()

    async def serve() -> None:
        # The lifespan is entered and exited in this one task (anyio's cancel scopes need it).
        async with app.lifespan():
            started.set()
            await stop.wait()

    server = asyncio.create_task(serve())
    try:
        await asyncio.wait(
            [server, asyncio.create_task(started.wait())], return_when="FIRST_COMPLETED"
        )
        if server.done():
            server.result()  # startup failed: raise its error here
        # Litestar's precise ASGI signature vs httpx's generic one: the same protocol.
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(
            transport=transport, base_url="http://billing", headers=SERVICE_CREDENTIAL
        ) as client:
            stack = BillingStack(
                app=app,
                runtime=app.state.runtime,
                client=client,
                producer=producer,
                names=TopicNames(namespace),
                kafka=infra.kafka,
                database_url=settings.database_url,
                clock=clock,
            )
            yield stack
            await stack.close()
    finally:
        stop.set()
        await server
        await producer.stop()
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await admin.close()


@pytest.fixture(scope="session")
async def billing(infra: Infra) -> AsyncIterator[BillingStack]:
    """Started once: tests use fresh tenants and deployments, so they never share rows."""
    async with running_billing(infra) as stack:
        yield stack


@pytest.fixture
async def own_billing(infra: Infra) -> AsyncIterator[BillingStack]:
    """A billing of this test's own, for operations over every row (closing periods): in the
    shared one they would charge other tests' subscriptions, and which ones would depend on the
    order the tests ran in. Its clock is `own_billing.clock`."""
    async with running_billing(infra) as stack:
        yield stack


@pytest.fixture
def clock(billing: BillingStack) -> Iterator[SettableClock]:
    """The app's clock, free for this test to pin; back to real time afterwards."""
    yield billing.clock
    billing.clock.pinned = None
