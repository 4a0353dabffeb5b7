"""Test support: a running billing app (real PostgreSQL, real Kafka) and event builders."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import asyncpg
import httpx
import msgspec
from aiokafka import AIOKafkaProducer
from litestar import Litestar

from arcadia_contracts import Envelope, Event, decode, encode, envelope, topics
from arcadia_platform.runtime import ServiceRuntime
from arcadia_platform.topicnames import TopicNames
from arcadia_testing.plugin import SEND_TIMEOUT_S, eventually, read_topic

API = "/internal/v1"
# The gateway's read-model feed (issue 13): a whole view after each change, not a saga fact.
VIEW = "SubscriptionChanged"


@dataclass
class SettableClock:
    """The system clock, unless a test pins it."""

    pinned: datetime | None = None

    def __call__(self) -> datetime:
        return self.pinned or datetime.now(UTC)


def ids() -> tuple[str, UUID]:
    """A fresh tenant and deployment: tests never clean tables, they never share rows."""
    return f"tenant-{uuid.uuid4().hex[:10]}", uuid.uuid4()


def again(original: Envelope) -> Envelope:
    """The same fact sent anew: identical payload and metadata, a new event id."""
    return msgspec.structs.replace(original, event_id=uuid.uuid4())


def event(
    payload: Event,
    *,
    tenant_id: str,
    deployment_id: UUID | None = None,
    saga_id: UUID | None = None,
    producer: str = "api",
    **overrides: Any,
) -> Envelope:
    return envelope(
        payload,
        producer=producer,
        tenant_id=tenant_id,
        deployment_id=deployment_id,
        saga_id=saga_id,
        **overrides,
    )


@dataclass
class BillingStack:
    app: Litestar
    runtime: ServiceRuntime
    client: httpx.AsyncClient
    producer: AIOKafkaProducer
    names: TopicNames
    kafka: str
    database_url: str
    clock: SettableClock
    _conn: asyncpg.Connection | None = field(default=None)

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()

    async def db(self) -> asyncpg.Connection:
        if self._conn is None or self._conn.is_closed():
            self._conn = await asyncpg.connect(self.database_url)
        return self._conn

    async def fetch(self, sql: str, *args: object) -> list[asyncpg.Record]:
        return list(await (await self.db()).fetch(sql, *args))

    async def fetchval(self, sql: str, *args: object) -> Any:
        return await (await self.db()).fetchval(sql, *args)

    # --- events in -------------------------------------------------------------------------

    async def publish(self, topic: str, *events: Envelope) -> None:
        """As the owning service would: on the namespaced topic, key = deployment id."""
        for e in events:
            key = e.key or e.tenant_id.encode()
            async with asyncio.timeout(SEND_TIMEOUT_S):
                await self.producer.send_and_wait(self.names.physical(topic), encode(e), key=key)

    async def handled(self, *events: Envelope) -> None:
        """Wait until billing's inbox has recorded every one of `events`."""
        wanted = [e.event_id for e in events]

        async def done() -> bool:
            n = await self.fetchval(
                "SELECT count(*) FROM inbox WHERE event_id = ANY($1::uuid[])", wanted
            )
            return bool(n == len(wanted))

        await eventually(done, timeout_s=20)

    async def deliver(self, topic: str, *events: Envelope) -> None:
        await self.publish(topic, *events)
        await self.handled(*events)

    async def redeliver(self, topic: str, *events: Envelope) -> None:
        """Publish the same envelopes again (same event ids) and wait until each was skipped."""
        assert self.runtime.consumer is not None
        before = self.runtime.consumer.duplicates
        await self.publish(topic, *events)

        async def skipped() -> bool:
            assert self.runtime.consumer is not None
            return self.runtime.consumer.duplicates >= before + len(events)

        await eventually(skipped, timeout_s=20)

    # --- events out ------------------------------------------------------------------------

    async def outbox(self, deployment_id: UUID, *, views: bool = False) -> list[Envelope]:
        """What billing has committed to publish about a deployment, in order; without the
        SubscriptionChanged views (the gateway's read-model feed) unless `views`."""
        rows = await self.fetch(
            "SELECT value FROM outbox WHERE key = $1 ORDER BY id", str(deployment_id).encode()
        )
        found = [decode(row["value"]) for row in rows]
        return [e for e in found if views or e.type != VIEW]

    async def published(self, deployment_id: UUID, count: int) -> list[Envelope]:
        """The events on the real billing topic about a deployment, once `count` are there
        (SubscriptionChanged views left out)."""
        topic = self.names.physical(topics.BILLING)

        async def arrived() -> list[Envelope] | None:
            records = await read_topic(self.kafka, topic)
            key = str(deployment_id).encode()
            mine = [
                decode(r.value) for r in sorted(records, key=lambda r: r.offset) if r.key == key
            ]
            mine = [e for e in mine if e.type != VIEW]  # the read-model feed: not a saga fact
            return mine if len(mine) >= count else None

        found: list[Envelope] = await eventually(arrived, timeout_s=20)
        return found

    async def snapshot(self, tenant_id: str) -> dict[str, list[tuple[Any, ...]]]:
        """Every row billing holds about a tenant, and every event it has queued about it."""
        queries = {
            "subscriptions": "SELECT * FROM subscriptions WHERE tenant_id = $1 ORDER BY id",
            "addon_lines": "SELECT a.* FROM subscription_addons a JOIN subscriptions s"
            " ON s.id = a.subscription_id WHERE s.tenant_id = $1 ORDER BY a.id",
            "ledger": "SELECT * FROM ledger_entries WHERE tenant_id = $1 ORDER BY id",
            "closed": "SELECT c.* FROM closed_periods c JOIN subscriptions s"
            " ON s.id = c.subscription_id WHERE s.tenant_id = $1 ORDER BY 1, 2",
            "payments": "SELECT * FROM payments WHERE tenant_id = $1 ORDER BY 1, 2",
            "resources": "SELECT * FROM resources WHERE tenant_id = $1 ORDER BY 1",
            "sagas": "SELECT * FROM sagas WHERE tenant_id = $1 ORDER BY 1",
            "deployments": "SELECT * FROM deployments WHERE tenant_id = $1 ORDER BY 1",
            "tenants": "SELECT * FROM tenants WHERE tenant_id = $1",
            "outbox": "SELECT event_id, topic, key, value FROM outbox"
            " WHERE convert_from(value, 'UTF8')::jsonb ->> 'tenant_id' = $1 ORDER BY id",
        }
        return {
            name: [tuple(row.values()) for row in await self.fetch(sql, tenant_id)]
            for name, sql in queries.items()
        }

    # --- HTTP ------------------------------------------------------------------------------

    async def get(self, path: str, **params: Any) -> httpx.Response:
        return await self.client.get(API + path, params=params)

    async def post(self, path: str, body: Any) -> httpx.Response:
        return await self.client.post(API + path, json=body)

    async def subscription(self, tenant_id: str, deployment_id: UUID) -> dict[str, Any] | None:
        response = await self.get(f"/deployments/{deployment_id}/subscription", tenant_id=tenant_id)
        if response.status_code == 404:
            return None
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body
