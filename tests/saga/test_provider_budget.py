"""A burst of 500 provisionings against cloudsim with the provider's limit ENFORCED, on two
instances of every service: every saga either completes or is refused up front with 429 and a
Retry-After; none is aborted for a deadline; the one token's limit is never breached although two
provisioners share it.

Scaled 4x so the burst drains in seconds rather than minutes. The real settings are a token
limit of 250/min, the provisioners' share 200/min, an admission wait of 40 s, step deadlines of
60 s (provisioner) and 120 s (api), a saga deadline of 300 s. Here every rate is 4x (1000, 800)
and every duration a quarter (10 s, 15 s, 30 s, 75 s): what decides whether a saga is aborted is
the wait in the provider's queue against its deadlines, and that ratio is the real one. Only the
work that is not the provider's (Kafka hops, the database, a loaded 2-core machine) is not
scaled, which makes the test harder than the real thing, not easier.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from arcadia_testing.plugin import Infra, ServiceProcess, eventually, unique
from arcadia_testing.stack import TERMINAL, Stack, drop_stack, start_stack

SCALE = 4
TOKEN_LIMIT = 250 * SCALE  # DigitalOcean's per-token limit, enforced by cloudsim
SHARE = 200 * SCALE  # the provisioners' share, all instances together
REQUESTS_PER_SAGA = 5  # measured against cloudsim (asserted below): 2 create, 1 poll, 2 DNS
ADMISSION_WAIT_S = 40 / SCALE
BURST = 500
ENV = {
    "ARCADIA_CLOUDSIM_REQUESTS_PER_MINUTE": str(TOKEN_LIMIT),
    "ARCADIA_PROVISIONER_DO_REQUESTS_PER_MINUTE": str(SHARE),
    "ARCADIA_PROVISIONER_STEP_TIMEOUT_S": str(60 / SCALE),
    "ARCADIA_PROVISIONER_DROPLET_ACTIVE_TIMEOUT_S": str(300 / SCALE),
    "ARCADIA_API_PROVIDER_BUDGET_PER_MINUTE": str(SHARE),
    "ARCADIA_API_PROVIDER_REQUESTS_PER_SAGA": str(REQUESTS_PER_SAGA),
    "ARCADIA_API_PROVIDER_ADMISSION_WAIT_S": str(ADMISSION_WAIT_S),
    "ARCADIA_API_SAGA_STEP_TIMEOUT_S": str(120 / SCALE),
    "ARCADIA_API_SAGA_TIMEOUT_S": str(300 / SCALE),
    "ARCADIA_API_WRITE_RATE_PER_S": "0",
    "ARCADIA_ALL_LOG_LEVEL": "WARNING",
    "ARCADIA_ALL_CONSUMER_SESSION_TIMEOUT_MS": "6000",
}


@pytest.fixture(scope="module")
async def stack(infra: Infra, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    logs = tmp_path_factory.mktemp("budget-logs")

    def make(args: list[str], env: dict[str, str], name: str) -> ServiceProcess:
        return ServiceProcess(args, env, Path(logs) / f"{name}.log")

    running = await start_stack(infra, make, env=ENV, instances=2)
    yield running
    await drop_stack(infra, running)


async def _burst(stack: Stack, client: httpx.AsyncClient) -> list[httpx.Response]:
    """BURST provisioning requests, 50 at a time, spread over both gateways."""
    gate = asyncio.Semaphore(50)

    async def one(i: int) -> httpx.Response:
        tenant = unique("burst").replace("_", "-")
        body = {"slug": "shop", "provision": True, "region": "fra1", "plan_code": "studio"}
        api = stack.apis[i % len(stack.apis)]
        async with gate:
            return await client.post(
                f"{api}/api/v1/deployments", json=body, headers=stack.auth(tenant)
            )

    return await asyncio.gather(*(one(i) for i in range(BURST)))


async def test_a_burst_completes_or_is_refused_up_front_within_the_tokens_limit(
    stack: Stack,
) -> None:
    async with httpx.AsyncClient(timeout=60) as client:
        answers = await _burst(stack, client)
        state = await stack.sim_state(client)
    assert state["rate_limit"]["per_minute"] == TOKEN_LIMIT  # cloudsim enforces the real limit

    admitted = [r.json()["saga_id"] for r in answers if r.status_code == 202]
    refused = [r for r in answers if r.status_code == 429]
    assert len(admitted) + len(refused) == BURST, {r.status_code for r in answers}
    assert admitted, "the budget admits what it can serve"
    assert refused, "500 at once is more than the budget serves within the admission wait"
    for answer in refused:
        assert answer.headers["content-type"].startswith("application/problem+json")
        problem = answer.json()
        assert problem["status"] == 429
        assert problem["type"].endswith("provider-budget")
        assert 1 <= int(answer.headers["Retry-After"]) <= ADMISSION_WAIT_S + 1
    created = await stack.rows("api", "SELECT count(*) AS n FROM deployments")
    assert created[0]["n"] == len(admitted)  # a refusal creates nothing

    ids = [uuid.UUID(s) for s in admitted]

    async def all_ended() -> list[dict[str, Any]] | None:
        rows = await stack.rows(
            "api", "SELECT id, status, failed_step, reason FROM sagas WHERE id = ANY($1)", ids
        )
        return rows if all(r["status"] in TERMINAL for r in rows) else None

    ended = await eventually(all_ended, timeout_s=300 / SCALE + 120, interval_s=1.0)
    assert len(ended) == len(admitted)
    failed = [r for r in ended if r["status"] != "completed"]
    assert failed == [], failed  # none aborted: not for a deadline, not for a 429
    active = await stack.rows("api", "SELECT count(*) AS n FROM deployments WHERE state = 'active'")
    assert active[0]["n"] == len(admitted)

    async with httpx.AsyncClient(timeout=60) as client:
        limit = (await stack.sim_state(client))["rate_limit"]
    assert limit["breaches"] == {}, limit  # two provisioners, one token, never over its limit
    sent = sum(limit["requests"].values())
    print(f"admitted {len(admitted)}, refused {len(refused)}, provider requests {sent}")
    assert sent <= REQUESTS_PER_SAGA * len(admitted)  # what admission charged a saga is enough
