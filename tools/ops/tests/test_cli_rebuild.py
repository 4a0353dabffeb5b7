"""`arcadia rebuild` on a real stack: billing's read models rebuilt from offset 0 equal the live ones
row for row; a damaged model is found by --dry-run (nothing swapped) and repaired by a rebuild;
the live handlers go on writing into the swapped-in tables."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import httpx

from arcadia_testing.ops import arcadia, arcadia_json
from arcadia_testing.plugin import eventually, unique
from arcadia_testing.stack import Stack


async def rows(stack: Stack, table: str) -> list[tuple[Any, ...]]:
    conn = await asyncpg.connect(stack.databases["billing"])
    try:
        return sorted(tuple(r) for r in await conn.fetch(f"SELECT * FROM {table}"))
    finally:
        await conn.close()


async def settled(stack: Stack) -> bool:
    pending = await stack.rows("billing", "SELECT 1 FROM subscriptions WHERE status = 'pending'")
    running = await stack.rows("api", "SELECT 1 FROM sagas WHERE status = 'running'")
    return not pending and not running and await stack.quiescent()


async def provision(stack: Stack, client: httpx.AsyncClient, n: int) -> list[tuple[str, str]]:
    made = []
    for i in range(n):
        tenant = unique("rebuild").replace("_", "-")
        deployment, saga = await stack.provision(client, tenant, f"app{i}")
        await stack.wait_terminal(client, tenant, deployment, saga, timeout_s=60)
        made.append((tenant, deployment))
    return made


async def test_a_rebuilt_projection_equals_the_live_one(stack: Stack) -> None:
    async with httpx.AsyncClient(timeout=15) as client:
        made = await provision(stack, client, 3)
        tenant, deployment = made[0]
        response = await client.post(  # an operator's override, and a cancellation
            f"{stack.api}/api/v1/deployments/{deployment}/billing-override",
            json={"billing_action_suspended": True, "reason": "test"},
            headers=stack.auth("ops", operator=True),
        )
        assert response.status_code == 200, response.text
        tenant, deployment = made[1]
        response = await client.post(
            f"{stack.api}/api/v1/deployments/{deployment}/transition",
            json={"to": "cancelled"},
            headers=stack.auth(tenant),
        )
        assert response.status_code in (200, 202), response.text
        await eventually(lambda: settled(stack), timeout_s=90, interval_s=0.3)

        live = {t: await rows(stack, t) for t in ("deployments", "resources")}
        assert len(live["deployments"]) == 3
        assert any(r[4] for r in live["deployments"])  # billing_action_suspended
        assert len(live["resources"]) == 3

        code, done = await arcadia_json(stack, "rebuild", "deployments")
        assert code == 0, done["error"]
        assert (done["service"], done["status"], done["differing_rows"]) == (
            "billing",
            "swapped",
            0,
        )
        assert done["events_read"] >= done["rows"] == 3
        assert await rows(stack, "deployments") == live["deployments"]

        code, done = await arcadia_json(stack, "rebuild", "billing.resources")
        assert (code, done["status"], done["differing_rows"]) == (0, "swapped", 0), done
        assert await rows(stack, "resources") == live["resources"]

        conn = await asyncpg.connect(stack.databases["billing"])
        try:  # behind the system's back: one row lost, one row changed
            await conn.execute(
                "DELETE FROM deployments WHERE deployment_id = $1", uuid.UUID(made[2][1])
            )
            await conn.execute(
                "UPDATE deployments SET state = 'paused' WHERE deployment_id = $1",
                uuid.UUID(made[0][1]),
            )
        finally:
            await conn.close()
        damaged = await rows(stack, "deployments")
        code, done = await arcadia_json(stack, "rebuild", "deployments", "--dry-run")
        assert (code, done["status"], done["differing_rows"]) == (1, "compared", 3), done
        assert await rows(stack, "deployments") == damaged  # a dry run swaps nothing
        code, done = await arcadia_json(stack, "rebuild", "deployments")
        assert (code, done["status"], done["differing_rows"]) == (0, "swapped", 3), done
        assert await rows(stack, "deployments") == live["deployments"]

        # The live handlers write into the swapped-in table.
        ((_, deployment),) = await provision(stack, client, 1)
        await eventually(lambda: settled(stack), timeout_s=90, interval_s=0.3)
        after = await rows(stack, "deployments")
        assert uuid.UUID(deployment) in {r[0] for r in after}
        assert len(after) == 4

        human = await arcadia(stack, "rebuild", "billing.tenants")
        assert human.exit_code == 0, human.output
        assert "billing.tenants" in human.stdout
        assert "swapped in" in human.stdout

        code, unknown = await arcadia_json(stack, "rebuild", "nothing")
        assert (code, unknown["status"]) == (1, "failed")
        assert "billing.deployments" in unknown["error"]
