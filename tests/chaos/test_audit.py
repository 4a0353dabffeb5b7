"""The audit on a real stack: a world the sagas made is clean, and damage done behind the system's
back (a billing row deleted, a droplet destroyed at the provider) is found, and only that."""

from __future__ import annotations

import uuid

import asyncpg
import httpx

from arcadia_ops.invariants import check
from arcadia_testing.plugin import eventually, unique
from arcadia_testing.stack import PROVIDER_TOKEN, Stack


async def settled(stack: Stack) -> bool:
    """Every consumer has caught up and billing has activated what the api completed."""
    if not await stack.consumers_caught_up():
        return False
    pending = await stack.rows("billing", "SELECT 1 FROM subscriptions WHERE status = 'pending'")
    return not pending


async def test_the_audit_finds_what_was_broken_behind_the_systems_back(stack: Stack) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        tenant = unique("audit").replace("_", "-")
        started = [await stack.provision(client, tenant, slug) for slug in ("one", "two")]
        details = [
            await stack.wait_terminal(client, tenant, d, s, timeout_s=120) for d, s in started
        ]
        # The provider refuses every create from now on: the third saga is compensated.
        await stack.sim_fault(client, "droplets.create", 422, count=10_000)
        d3, s3 = await stack.provision(client, tenant, "three")
        details.append(await stack.wait_terminal(client, tenant, d3, s3, timeout_s=120))
        await client.delete(f"{stack.sim}/_sim/faults")
        assert [d["deployment"]["state"] for d in details] == ["active", "active", "cancelled"]
        await eventually(lambda: settled(stack), timeout_s=60, interval_s=0.5)

        clean = await check(stack.sources())
        assert clean == [], "\n".join(map(str, clean))

        (one, _), (two, _) = started
        conn = await asyncpg.connect(stack.databases["billing"])
        try:
            # As an operator with a psql prompt would: past the ledger's foreign keys.
            await conn.execute("SET session_replication_role = replica")
            await conn.execute("DELETE FROM subscriptions WHERE deployment_id = $1", uuid.UUID(one))
        finally:
            await conn.close()
        state = await stack.sim_state(client)
        (droplet,) = [d for d in state["droplets"] if f"deployment:{two}" in d["tags"]]
        deleted = await client.delete(
            f"{stack.sim}/v2/droplets/{droplet['id']}",
            headers={"Authorization": f"Bearer {PROVIDER_TOKEN}"},
        )
        assert deleted.status_code == 204

    found = await check(stack.sources())

    assert [(v.kind, v.deployment_id) for v in found] == [
        ("subscription_mismatch", one),
        ("droplet_mismatch", two),
        ("dns_mismatch", two),
    ], "\n".join(map(str, found))
