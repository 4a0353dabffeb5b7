"""The gateway's read model of billing's subscriptions on a real stack: after sagas, a plan change
and add-ons the detail shows what billing itself answers; billing down, the detail still answers
from the model; `arcadia rebuild api.subscriptions` rebuilt from offset 0 equals the live one."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import asyncpg
import httpx

from arcadia_platform.service_auth import DEV_SERVICE_SECRET, service_headers
from arcadia_testing.ops import arcadia_json
from arcadia_testing.plugin import eventually, unique
from arcadia_testing.stack import Stack


async def views(stack: Stack) -> list[tuple[Any, ...]]:
    conn = await asyncpg.connect(stack.databases["api"])
    try:
        found = await conn.fetch("SELECT * FROM subscription_views ORDER BY deployment_id")
        return [tuple(r) for r in found]
    finally:
        await conn.close()


async def billing_own(client: httpx.AsyncClient, stack: Stack, tenant: str, dep: str) -> Any:
    """The subscription as billing answers it on its internal API (the gateway's credential)."""
    response = await client.get(
        f"{stack.url('billing')}/internal/v1/deployments/{dep}/subscription",
        params={"tenant_id": tenant},
        headers=service_headers("api", DEV_SERVICE_SECRET),
    )
    assert response.status_code == 200, response.text
    return response.json()


async def same_as_billing(
    client: httpx.AsyncClient,
    stack: Stack,
    tenant: str,
    dep: str,
    settled: Callable[[Any], bool],
) -> Any:
    """Wait until billing's own view is `settled` and the gateway's detail shows exactly it.

    Billing's view is read afresh on each try: right after the saga ends billing may still hold
    the subscription as pending (it activates it on DeploymentActivated), so a view read once
    could be overtaken and never be equalled."""

    async def caught_up() -> Any:
        own = await billing_own(client, stack, tenant, dep)
        if not settled(own):
            return None
        shown = (await stack.detail(client, tenant, dep))["subscription"]
        return shown if shown == own else None

    return await eventually(caught_up, timeout_s=30, interval_s=0.2)


async def test_the_read_model_follows_billing_and_a_rebuild_equals_it(stack: Stack) -> None:
    async with httpx.AsyncClient(timeout=15) as client:
        made = []
        for i in range(2):
            tenant = unique("readmodel").replace("_", "-")
            deployment, saga = await stack.provision(client, tenant, f"rm{i}")
            await stack.wait_terminal(client, tenant, deployment, saga, timeout_s=60)
            made.append((tenant, deployment))
            shown = await same_as_billing(
                client, stack, tenant, deployment, lambda own: own["status"] == "active"
            )
            assert shown["status"] == "active"

        tenant, deployment = made[0]
        moved = await client.post(
            f"{stack.api}/api/v1/deployments/{deployment}/plan",
            json={"plan_code": "studio_pro"},
            headers=stack.auth(tenant),
        )
        assert moved.status_code == 200, moved.text
        attached = await client.post(
            f"{stack.api}/api/v1/deployments/{deployment}/addons",
            json={"addons": [{"code": "storage_50gb", "quantity": 2}]},
            headers=stack.auth(tenant),
        )
        assert attached.status_code == 200, attached.text
        shown = await same_as_billing(
            client,
            stack,
            tenant,
            deployment,
            lambda own: own["plan"]["plan_code"] == "studio_pro" and bool(own["addons"]),
        )
        assert shown["plan"]["plan_code"] == "studio_pro"
        assert [line["quantity"] for line in shown["addons"]] == [2]

        live = await views(stack)
        assert len(live) == 2
        code, done = await arcadia_json(stack, "rebuild", "subscriptions", "--dry-run")
        assert (code, done["service"], done["status"], done["differing_rows"]) == (
            0,
            "api",
            "compared",
            0,
        ), done
        conn = await asyncpg.connect(stack.databases["api"])
        try:  # behind the system's back: one view lost
            await conn.execute(
                "DELETE FROM subscription_views WHERE deployment_id = $1", uuid.UUID(deployment)
            )
        finally:
            await conn.close()
        code, done = await arcadia_json(stack, "rebuild", "api.subscriptions")
        assert (code, done["status"], done["differing_rows"]) == (0, "swapped", 1), done
        assert await views(stack) == live

        # Billing down: the detail still shows the subscription, from the read model.
        await stack.kill9("billing")
        try:
            detail = await stack.detail(client, tenant, deployment)
            assert detail["subscription"] == shown
            assert detail["subscription_error"] is None
        finally:
            await stack.start("billing")
