"""Outbound poison at the gateway: every request that could make an unpublishable event is a 4xx
problem, and nothing of it reaches the outbox."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import asyncpg
import httpx
import pytest

from arcadia_platform.topics_admin import ensure_topics
from arcadia_testing.gateway import OPERATOR_ROLES, Gateway, start_gateway
from arcadia_testing.plugin import SERVICE_CREDENTIAL, Infra, ServiceProcess, unique

PROBLEM = "application/problem+json"
DEPLOYMENTS = "/api/v1/deployments"


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text[:2000]
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["title"]
    return body


def provisioning(slug: str, addons: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "slug": slug,
        "provision": True,
        "region": "fra1",
        "size": "s-1vcpu-1gb",
        "plan_code": "studio",
        "addons": addons,
    }


async def outbox_rows_of(database_url: str, tenant: str) -> int:
    """Outbox rows whose event names `tenant` (the shared gateway's outbox has other tests' too)."""
    conn = await asyncpg.connect(database_url)
    try:
        found: int = await conn.fetchval(
            "SELECT count(*) FROM outbox WHERE position($1::bytea IN value) > 0",
            json.dumps(tenant).encode(),
        )
        return found
    finally:
        await conn.close()


async def nothing_created(client: httpx.AsyncClient, gw: Gateway, tenant: str) -> None:
    listed = await client.get(DEPLOYMENTS, headers=gw.auth(tenant))
    assert listed.status_code == 200
    assert listed.json()["items"] == []
    assert await outbox_rows_of(gw.database_url, tenant) == 0


async def test_more_than_50_addon_lines_is_a_422_naming_the_field(
    client: httpx.AsyncClient, gateway: Gateway, tenant: str
) -> None:
    addons = [{"code": f"addon-{n}"} for n in range(51)]
    response = await client.post(
        DEPLOYMENTS, json=provisioning("shop", addons), headers=gateway.auth(tenant)
    )
    body = problem(response, 422)
    assert body["type"].endswith("/too-many-items")
    assert [error["field"] for error in body["errors"]] == ["addons"]
    assert "50" in body["detail"]
    await nothing_created(client, gateway, tenant)
    # Fifty is still fine.
    accepted = await client.post(
        DEPLOYMENTS, json=provisioning("shop", addons[:50]), headers=gateway.auth(tenant)
    )
    assert accepted.status_code == 202, accepted.text


@pytest.mark.parametrize("chunked", [False, True])
async def test_a_body_over_the_limit_is_a_413_problem(
    client: httpx.AsyncClient, gateway: Gateway, tenant: str, chunked: bool
) -> None:
    content = json.dumps({"slug": "shop", "display_name": "x" * 300_000}).encode()
    headers = {**gateway.auth(tenant), "content-type": "application/json"}

    async def stream() -> AsyncIterator[bytes]:
        for start in range(0, len(content), 16_384):
            yield content[start : start + 16_384]

    response = await client.post(
        DEPLOYMENTS, content=stream() if chunked else content, headers=headers
    )
    assert problem(response, 413)["type"].endswith("/body-too-large")
    await nothing_created(client, gateway, tenant)


async def test_the_reproduction_body_is_refused_and_nothing_reaches_the_outbox(
    client: httpx.AsyncClient, gateway: Gateway, tenant: str
) -> None:
    """Issue 8: 32,000 add-on lines (1.3 MB) used to be accepted and to jam the relay."""
    addons = [{"code": f"storage_{n}", "quantity": 1} for n in range(32_000)]
    content = json.dumps(provisioning("shop", addons)).encode()
    assert len(content) > 1_000_000
    headers = {**gateway.auth(tenant), "content-type": "application/json"}
    response = await client.post(DEPLOYMENTS, content=content, headers=headers)
    assert 400 <= response.status_code < 500
    problem(response, response.status_code)
    await nothing_created(client, gateway, tenant)


@pytest.fixture
async def small_event_gateway(
    infra: Infra, processes: Callable[..., ServiceProcess]
) -> AsyncIterator[Gateway]:
    """A gateway whose producer takes requests of 8 KiB only, so that a valid request can make
    an event the outbox refuses."""
    name = unique("api")
    namespace = unique("napi").replace("_", "")
    await ensure_topics(infra.kafka, namespace=namespace)
    admin = await asyncpg.connect(infra.database_url("postgres"))
    await admin.execute(f"CREATE DATABASE {name}")
    try:
        running = await start_gateway(
            processes,
            database_url=infra.database_url(name),
            namespace=namespace,
            kafka=infra.kafka,
            extra_env={"ARCADIA_API_KAFKA_MAX_REQUEST_BYTES": "8192"},
        )
        yield running
        running.process.stop()
    finally:
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await admin.close()


async def test_an_event_the_outbox_refuses_is_a_413_problem_and_commits_nothing(
    small_event_gateway: Gateway, tenant: str
) -> None:
    gw = small_event_gateway
    addons = [{"code": f"{n:02d}" + "a" * 62, "quantity": 10_000} for n in range(50)]
    async with httpx.AsyncClient(base_url=gw.url, timeout=30) as client:
        for key in (None, "retry-me"):
            headers = gw.auth(tenant) | ({"Idempotency-Key": key} if key else {})
            response = await client.post(
                DEPLOYMENTS, json=provisioning("shop", addons), headers=headers
            )
            body = problem(response, 413)
            assert body["type"].endswith("/event-too-large")
            assert "DeploymentProvisioningRequested" in body["detail"]
            await nothing_created(client, gw, tenant)
        # A small request through the same gateway is accepted and its event written.
        accepted = await client.post(
            DEPLOYMENTS, json=provisioning("shop", addons[:2]), headers=gw.auth(tenant)
        )
        assert accepted.status_code == 202, accepted.text
        assert await outbox_rows_of(gw.database_url, tenant) > 0


async def test_parked_outbox_rows_are_for_operators_on_the_gateway(
    client: httpx.AsyncClient, gateway: Gateway, tenant: str
) -> None:
    path = "/internal/v1/outbox/parked"
    operator = {**SERVICE_CREDENTIAL, **gateway.auth(tenant, OPERATOR_ROLES)}
    assert problem(await client.get(path), 401)
    assert problem(await client.get(path, headers=SERVICE_CREDENTIAL), 401)
    # An operator's token alone is not enough: the caller must be a known service (the CLI).
    no_service = await client.get(path, headers=gateway.auth(tenant, OPERATOR_ROLES))
    assert problem(no_service, 401)
    assert no_service.json()["code"] == "service_unauthenticated"
    tenant_only = {**SERVICE_CREDENTIAL, **gateway.auth(tenant)}
    assert problem(await client.get(path, headers=tenant_only), 403)
    listed = await client.get(path, headers=operator)
    assert listed.status_code == 200, listed.text
    assert listed.json() == {"items": []}
    release = await client.post(f"{path}/123456/release", headers=operator)
    assert problem(release, 404)
