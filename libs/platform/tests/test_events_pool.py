"""Pool safety: HTTP load holding every connection of the service's pool cannot stop events from
being consumed, handled and relayed; they run on a pool of their own (real Kafka and PostgreSQL)."""

from __future__ import annotations

import contextlib
from uuid import uuid4

import pytest

from arcadia_contracts import Envelope, envelope, topics
from arcadia_contracts.events.deployments import DeploymentStateChanged
from arcadia_platform.db import Connection
from arcadia_platform.runtime import ServiceRuntime
from arcadia_platform.settings import ServiceSettings
from arcadia_testing.plugin import Infra, decoded, eventually, publish

HTTP_POOL = 2


def state_changed(actor: str, deployment: object) -> Envelope:
    return envelope(
        DeploymentStateChanged(from_state="active", to_state="suspended", actor=actor),
        producer="test",
        tenant_id="t",
        deployment_id=deployment,  # type: ignore[arg-type]
    )


async def test_events_flow_while_every_http_connection_is_taken(
    infra: Infra, database: str, namespace: str
) -> None:
    settings = ServiceSettings(
        service_name="starved",
        database_url=database,
        kafka_bootstrap_servers=infra.kafka,
        topic_namespace=namespace,
        db_pool_min=HTTP_POOL,
        db_pool_max=HTTP_POOL,
        db_events_pool_max=2,
        db_acquire_timeout_s=30.0,  # a consumer on the HTTP pool would wait, not fail fast
        relay_poll_interval_s=0.05,
        log_json=False,
    )
    runtime = ServiceRuntime(settings)
    handled: list[str] = []

    async def react(conn: Connection, event: Envelope) -> None:
        # A handler's usual work: its own transaction, and an event written to the outbox that
        # the relay must then publish (answered once, so the reply does not answer itself).
        assert isinstance(event.payload, DeploymentStateChanged)
        handled.append(event.payload.actor)
        if event.payload.actor == "billing":
            reply = state_changed("handled-under-load", event.deployment_id)
            await runtime.outbox.add(conn, topics.DEPLOYMENTS, reply)

    runtime.routes.on(topics.DEPLOYMENTS, DeploymentStateChanged, react)
    async with runtime.running(), contextlib.AsyncExitStack() as held:
        # HTTP load: every connection of the requests' pool is taken and kept.
        for _ in range(HTTP_POOL):
            await held.enter_async_context(runtime.pool.acquire())
        with pytest.raises(TimeoutError):
            async with runtime.pool.acquire(timeout=0.3):
                pass

        deployment = uuid4()
        topic = runtime.topic_names.physical(topics.DEPLOYMENTS)
        await publish(infra.kafka, topic, state_changed("billing", deployment))

        # Consumed and handled, the reply relayed to Kafka and consumed in turn, all while the
        # HTTP pool is still exhausted.
        await eventually(lambda: _async(handled == ["billing", "handled-under-load"]))

        async def relayed() -> bool:
            events = await decoded(infra.kafka, topic)
            return any(
                isinstance(e.payload, DeploymentStateChanged)
                and e.payload.actor == "handled-under-load"
                for e in events
            )

        assert await eventually(relayed)
        async with runtime.events_pool.acquire() as conn:
            inboxed = await conn.fetchval("SELECT count(*) FROM inbox WHERE consumer = 'starved'")
        assert inboxed == 2
        assert runtime.pool.get_size() == HTTP_POOL  # nothing borrowed from the HTTP side


async def _async(value: bool) -> bool:
    return value
