"""`arcadia replay` on a real stack: refused while the service runs; after several sagas, every group
of every service rewound to offset 0 and replayed changes nothing (an md5 of every table of the
four databases, and cloudsim's call counts, are the same before and after)."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import httpx

from arcadia_testing.ops import arcadia, arcadia_json
from arcadia_testing.plugin import eventually, unique
from arcadia_testing.stack import SERVICES, Stack


async def checksums(url: str) -> dict[str, str]:
    """Every table of the database's public schema: an md5 of its rows (as text, sorted)."""
    conn = await asyncpg.connect(url)
    try:
        tables = [
            r["tablename"]
            for r in await conn.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
        ]
        sums: dict[str, str] = {}
        for table in tables:
            sums[table] = await conn.fetchval(
                f"SELECT md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), ''))"
                f" || ':' || count(*) FROM \"{table}\" t"
            )
        return sums
    finally:
        await conn.close()


async def world(stack: Stack, client: httpx.AsyncClient) -> dict[str, Any]:
    sums = {s: await checksums(stack.databases[s]) for s in SERVICES}
    return {"tables": sums, "calls": (await stack.sim_state(client))["calls"]}


async def test_rewinding_every_group_to_zero_changes_nothing(stack: Stack) -> None:
    async with httpx.AsyncClient(timeout=15) as client:
        sagas = []
        for i in range(4):
            tenant = unique("replay").replace("_", "-")
            sagas.append((tenant, *await stack.provision(client, tenant, f"app{i}")))
        for tenant, deployment, saga in sagas:
            await stack.wait_terminal(client, tenant, deployment, saga, timeout_s=60)
        # One cancelled too, so teardown events are replayed as well.
        tenant, deployment, _ = sagas[0]
        response = await client.post(
            f"{stack.api}/api/v1/deployments/{deployment}/transition",
            json={"to": "cancelled"},
            headers=stack.auth(tenant),
        )
        assert response.status_code in (200, 202), response.text

        async def settled() -> bool:
            pending = await stack.rows(
                "billing", "SELECT 1 FROM subscriptions WHERE status = 'pending'"
            )
            running = await stack.rows("api", "SELECT 1 FROM sagas WHERE status = 'running'")
            return not pending and not running and await stack.quiescent()

        await eventually(settled, timeout_s=90, interval_s=0.3)
        before = await world(stack, client)

        code, refused = await arcadia_json(
            stack, "replay", "--service", "billing", "--from-beginning"
        )
        assert code == 1, refused
        assert "live member" in refused["refused"]

        for service in SERVICES:
            stack.processes[service].stop()
        human = await arcadia(
            stack, "replay", "--service", "billing", "--from-beginning", "--dry-run"
        )
        assert human.exit_code == 0, human.output
        assert "would rewind" in human.stdout
        moved: dict[str, int] = {}
        for service in ("billing", "inventory", "provisioner"):
            code, done = await arcadia_json(
                stack, "replay", "--service", service, "--from-beginning"
            )
            assert code == 0, done
            assert {p["after"] for p in done["partitions"]} == {0}
            moved[service] = done["events"]
            await stack.start(service)
        # The gateway's with --wait: the command rewinds, then follows the lag down to 0 while
        # the gateway starts again.
        waiting = asyncio.create_task(
            arcadia_json(
                stack, "replay", "--service", "api", "--from-beginning", "--wait", "--timeout", "90"
            )
        )
        await eventually(lambda: rewound(stack, "api"), timeout_s=30, interval_s=0.2)
        await stack.start("api")
        code, done = await waiting
        assert (code, done["lag"]) == (0, 0), done
        moved["api"] = done["events"]
        assert all(moved.values()), moved

        await eventually(settled, timeout_s=90, interval_s=0.3)
        after = await world(stack, client)
    assert after == before


async def rewound(stack: Stack, service: str) -> bool:
    offsets = await stack.committed_offsets(service)
    return bool(offsets) and set(offsets.values()) == {0}
