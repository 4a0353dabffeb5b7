"""`arcadia rebuild inventory.resources` on a real stack: the inventory's resources, links, DNS
records and remembered aborts, rebuilt from the topics it consumes (in its inbox's order) and from
its own announcements of drift fixes, equal the live tables row for row after completed, aborted
(before and after registration), torn-down and drift-released deployments; a damaged table is
found by --dry-run and repaired; the live handlers go on writing into the swapped-in tables."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import httpx

from arcadia_testing.ops import arcadia, arcadia_json
from arcadia_testing.plugin import eventually, unique
from arcadia_testing.stack import PROVIDER_TOKEN, Stack

TABLES = ("resources", "resource_links", "dns_records", "saga_aborts")
PROVIDER = {"Authorization": f"Bearer {PROVIDER_TOKEN}"}


async def snapshot(stack: Stack) -> dict[str, list[tuple[Any, ...]]]:
    conn = await asyncpg.connect(stack.databases["inventory"])
    try:
        return {
            t: sorted((tuple(r) for r in await conn.fetch(f"SELECT * FROM {t}")), key=repr)
            for t in TABLES
        }
    finally:
        await conn.close()


async def settled(stack: Stack) -> bool:
    running = await stack.rows("api", "SELECT 1 FROM sagas WHERE status = 'running'")
    return not running and await stack.quiescent()


async def deploy(
    stack: Stack, client: httpx.AsyncClient, slug: str, **extra: Any
) -> tuple[str, str, str]:
    tenant = unique("rebuildinv").replace("_", "-")
    deployment, saga = await stack.provision(client, tenant, slug, **extra)
    detail = await stack.wait_terminal(client, tenant, deployment, saga, timeout_s=90)
    return tenant, deployment, detail["deployment"]["state"]


async def drift_released(stack: Stack, client: httpx.AsyncClient, ghost: str, gone: str) -> None:
    """Behind the system's back: `ghost`'s droplet and `gone`'s DNS record vanish at the
    provider; a scan finds both ghosts and the operator's fixes release them in the inventory."""
    state = await stack.sim_state(client)
    (droplet,) = [d for d in state["droplets"] if f"deployment:{ghost}" in d["tags"]]
    deleted = await client.delete(f"{stack.sim}/v2/droplets/{droplet['id']}", headers=PROVIDER)
    assert deleted.status_code == 204, deleted.text
    (record,) = await stack.rows(
        "inventory",
        "SELECT domain, record_id FROM dns_records WHERE deployment_id = $1",
        uuid.UUID(gone),
    )
    deleted = await client.delete(
        f"{stack.sim}/v2/domains/{record['domain']}/records/{record['record_id']}",
        headers=PROVIDER,
    )
    assert deleted.status_code == 204, deleted.text
    code, scan = await arcadia_json(stack, "drift", "scan")
    assert scan["status"] == "done", scan
    code, found = await arcadia_json(stack, "drift", "list")
    ghosts = {f["deployment_id"]: f for f in found if f["kind"] == "ghost"}
    assert set(ghosts) == {ghost, gone}, found
    for finding in ghosts.values():
        code, fixed = await arcadia_json(stack, "drift", "fix", finding["id"], "--yes")
        assert code == 0, fixed


async def test_the_rebuilt_inventory_equals_the_live_one(stack: Stack) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        _, kept, state = await deploy(stack, client, "kept")
        assert state == "active"
        _, ghost, _ = await deploy(stack, client, "ghost")
        _, gone, _ = await deploy(stack, client, "gone")
        # Aborted before registration (billing refuses the plan): an abort is remembered.
        _, _, state = await deploy(stack, client, "noplan", plan_code="no-such-plan")
        assert state == "cancelled"
        # Aborted after registration (the provider refuses the DNS record): released.
        await stack.sim_fault(client, "records.create", 422, count=1)
        _, refused, state = await deploy(stack, client, "nodns")
        assert state == "cancelled"
        tenant, torn, _ = await deploy(stack, client, "torn")
        response = await client.post(  # torn down
            f"{stack.api}/api/v1/deployments/{torn}/transition",
            json={"to": "cancelled"},
            headers=stack.auth(tenant),
        )
        assert response.status_code in (200, 202), response.text
        await eventually(lambda: settled(stack), timeout_s=90, interval_s=0.3)
        await drift_released(stack, client, ghost, gone)
        await eventually(lambda: settled(stack), timeout_s=60, interval_s=0.3)

    live = await snapshot(stack)
    status = {r[5]: r[12] for r in live["resources"]}  # deployment_id -> status
    assert status == {
        uuid.UUID(kept): "active",
        uuid.UUID(gone): "active",
        uuid.UUID(ghost): "released",
        uuid.UUID(refused): "released",
        uuid.UUID(torn): "released",
    }
    reasons = {r[5]: r[15] for r in live["resources"]}
    assert reasons[uuid.UUID(ghost)] == "drift fix: the provider no longer has it"
    assert "drift fix" in {r[14] for r in live["dns_records"] if r[9] == uuid.UUID(gone)}.pop()
    assert len(live["saga_aborts"]) == 2

    code, done = await arcadia_json(stack, "rebuild", "inventory.resources", "--dry-run")
    assert (code, done["service"], done["status"], done["differing_rows"]) == (
        0,
        "inventory",
        "compared",
        0,
    ), done
    code, done = await arcadia_json(stack, "rebuild", "inventory-resources")
    assert (code, done["status"], done["differing_rows"]) == (0, "swapped", 0), done
    assert done["rows"] == sum(len(rows) for rows in live.values())
    assert await snapshot(stack) == live

    # Behind the system's back: a resource lost (with its link), a DNS record re-pointed.
    conn = await asyncpg.connect(stack.databases["inventory"])
    try:
        lost = uuid.UUID(torn)
        await conn.execute("DELETE FROM resource_links WHERE deployment_id = $1", lost)
        await conn.execute("DELETE FROM resources WHERE deployment_id = $1", lost)
        await conn.execute(
            "UPDATE dns_records SET content = '203.0.113.9' WHERE deployment_id = $1",
            uuid.UUID(kept),
        )
    finally:
        await conn.close()
    damaged = await snapshot(stack)
    code, done = await arcadia_json(stack, "rebuild", "inventory.resources", "--dry-run")
    assert (code, done["status"], done["differing_rows"]) == (1, "compared", 4), done
    assert await snapshot(stack) == damaged
    human = await arcadia(stack, "rebuild", "inventory.resources")
    assert human.exit_code == 0, human.output
    assert "inventory.resources" in human.stdout
    assert "4 row(s) differed" in human.stdout
    assert await snapshot(stack) == live

    # The swapped-in tables keep the foreign key, and the live handlers write into them.
    (fk,) = await stack.rows(
        "inventory",
        "SELECT count(*) AS n FROM pg_constraint WHERE contype = 'f'"
        " AND conrelid = 'public.resource_links'::regclass",
    )
    assert fk["n"] == 1
    async with httpx.AsyncClient(timeout=30) as client:
        _, after, state = await deploy(stack, client, "after")
        assert state == "active"
        await eventually(lambda: settled(stack), timeout_s=60, interval_s=0.3)
    (row,) = await stack.rows(
        "inventory", "SELECT status FROM resources WHERE deployment_id = $1", uuid.UUID(after)
    )
    assert row["status"] == "active"
    code, done = await arcadia_json(stack, "rebuild", "inventory.resources", "--dry-run")
    assert (code, done["differing_rows"]) == (0, 0), done

    # A row registered before ids were derived (a random id) would get a new one: not swapped.
    conn = await asyncpg.connect(stack.databases["inventory"])
    try:
        await conn.execute(
            "UPDATE dns_records SET id = gen_random_uuid() WHERE deployment_id = $1",
            uuid.UUID(kept),
        )
    finally:
        await conn.close()
    legacy = await snapshot(stack)
    code, done = await arcadia_json(stack, "rebuild", "inventory.resources")
    assert (code, done["status"]) == (1, "failed"), done
    assert "ids from before ids were derived" in done["error"], done["error"]
    assert await snapshot(stack) == legacy
    code, done = await arcadia_json(stack, "rebuild", "inventory.resources", "--dry-run")
    assert (code, done["status"], done["differing_rows"]) == (1, "compared", 2), done

    # `resources` alone names billing's and the inventory's: the operator must say which.
    code, ambiguous = await arcadia_json(stack, "rebuild", "resources")
    assert (code, ambiguous["status"]) == (1, "failed")
    assert "inventory.resources" in ambiguous["error"]
    assert "billing.resources" in ambiguous["error"]
