"""A service's parked outbox rows over HTTP, with the real runtime, Kafka and PostgreSQL."""

from __future__ import annotations

import json
from typing import Any, cast
from uuid import uuid4

import httpx

from arcadia_contracts import encode, envelope, topics
from arcadia_contracts.events.deployments import DeploymentStateChanged
from arcadia_platform.http import service_app
from arcadia_platform.outbox import event_headers
from arcadia_platform.runtime import ServiceRuntime
from arcadia_platform.settings import ServiceSettings
from arcadia_testing.plugin import SERVICE_CREDENTIAL, Infra, eventually

PARKED = "/internal/v1/outbox/parked"


async def test_parked_rows_are_listed_and_released_over_http(
    infra: Infra, database: str, namespace: str
) -> None:
    # One setting for the producer and the outbox: a 40 KB event is too large for both.
    settings = ServiceSettings(
        service_name="poison",
        database_url=database,
        kafka_bootstrap_servers=infra.kafka,
        topic_namespace=namespace,
        kafka_max_request_bytes=16_384,
        relay_poll_interval_s=0.05,
        log_json=False,
    )
    runtime = ServiceRuntime(settings)
    app = service_app(runtime)
    deployment = uuid4()
    big = envelope(
        DeploymentStateChanged(from_state=None, to_state="active", actor="x" * 40_000),
        producer="test",
        tenant_id="t",
        deployment_id=deployment,
    )
    # The runtime runs in this test's event loop; the ASGI transport does not run the lifespan.
    transport = httpx.ASGITransport(app=cast(Any, app))  # Litestar types its ASGI scope strictly
    async with (
        runtime.running(),
        httpx.AsyncClient(
            transport=transport, base_url="http://t", headers=SERVICE_CREDENTIAL
        ) as client,
    ):
        async with runtime.pool.acquire() as conn:  # past the outbox's own size check
            row_id = await conn.fetchval(
                "INSERT INTO outbox (event_id, topic, key, value, headers)"
                " VALUES ($1, $2, $3, $4, $5::text::jsonb) RETURNING id",
                big.event_id,
                runtime.topic_names.physical(topics.DEPLOYMENTS),
                big.key,
                encode(big),
                json.dumps({k: v.decode() for k, v in event_headers(big)}),
            )
        runtime.outbox.notify()

        async def parked(count: int) -> Any:
            response = await client.get(PARKED)
            assert response.status_code == 200, response.text
            items = response.json()["items"]
            return items if items and items[0]["park_count"] == count else None

        [item] = await eventually(lambda: parked(1))
        assert item["id"] == row_id
        assert item["event_id"] == str(big.event_id)
        assert item["key"] == str(deployment)
        assert item["value_bytes"] > 40_000
        assert item["park_reason"].startswith("MessageSizeTooLargeError")
        assert runtime.relay is not None
        assert runtime.relay.parked == 1

        released = await client.post(f"{PARKED}/{row_id}/release")
        assert released.status_code == 200, released.text
        assert released.json() == {"id": row_id, "released": True}
        await eventually(lambda: parked(2))  # tried again, still too large: parked again
        assert (await client.post(f"{PARKED}/{row_id + 1}/release")).status_code == 404
        assert (await client.get(PARKED, params={"limit": 0})).status_code == 400
