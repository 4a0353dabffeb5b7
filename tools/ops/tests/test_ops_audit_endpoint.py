"""`GET /api/v1/ops/audit` on a real stack serves the report `arcadia audit` prints: clean on a
healthy stack, the same findings (with the same fixes) after damage done behind the system's back,
clean again after `arcadia audit fix --yes`; operators only."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import httpx

from arcadia_testing.ops import arcadia_json
from arcadia_testing.plugin import eventually, unique
from arcadia_testing.stack import SERVICES, Stack


async def endpoint(stack: Stack, client: httpx.AsyncClient, **params: str) -> dict[str, Any]:
    response = await client.get(
        f"{stack.api}/api/v1/ops/audit", params=params, headers=stack.auth("ops", operator=True)
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def findings(report: dict[str, Any]) -> list[tuple[Any, ...]]:
    return sorted(
        (f["kind"], f["deployment_id"], f["fix"], f["detail"], f["fixable"], f["service"])
        for f in report["findings"]
    )


async def test_the_endpoint_serves_the_cli_report(stack: Stack) -> None:
    tenant = unique("opsaudit").replace("_", "-")
    async with httpx.AsyncClient(timeout=30) as client:
        deployment, saga = await stack.provision(client, tenant, "shop")
        await stack.wait_terminal(client, tenant, deployment, saga, timeout_s=60)

        async def clean() -> dict[str, Any] | None:
            body = await endpoint(stack, client)
            return body if body["clean"] else None

        body = await eventually(clean, timeout_s=30, interval_s=0.3)
        assert body["deployments"] >= 1
        assert [g["service"] for g in body["lag"]] == sorted(SERVICES)
        assert [b["service"] for b in body["backlog"]] == sorted(SERVICES)
        refused = await client.get(f"{stack.api}/api/v1/ops/audit", headers=stack.auth(tenant))
        assert refused.status_code == 403
        assert refused.headers["content-type"].startswith("application/problem+json")

        conn = await asyncpg.connect(stack.databases["billing"])
        try:  # behind the system's back: a subscription row gone, an outbox row parked
            await conn.execute("SET session_replication_role = replica")
            await conn.execute(
                "DELETE FROM subscriptions WHERE deployment_id = $1", uuid.UUID(deployment)
            )
            await conn.execute(
                "UPDATE outbox SET sent_at = NULL, parked_at = now(), park_reason = 'by hand',"
                " park_count = 1 WHERE id = (SELECT max(id) FROM outbox WHERE key = $1)",
                deployment.encode(),
            )
        finally:
            await conn.close()

        served = await endpoint(stack, client, tenant=tenant)
        code, printed = await arcadia_json(stack, "audit", "--tenant", tenant)
        assert code == 1
        assert served["clean"] is False
        assert {f[0] for f in findings(served)} == {"subscription_missing", "outbox_parked"}
        assert findings(served) == findings(printed)
        assert served["tenant"] == tenant

        code, fixed = await arcadia_json(stack, "audit", "fix", "--yes")
        assert code == 0, fixed
        await eventually(clean, timeout_s=30, interval_s=0.3)
