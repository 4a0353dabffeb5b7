"""The CLI on a real stack (four services and cloudsim on the shared Kafka and PostgreSQL): a healthy
stack audits clean; a billing row deleted and an outbox row parked behind the system's back are
found with the command that fixes them, and `audit fix --yes` clears both; `topics` and `audit`
show the lag of a stopped consumer; `saga list`/`saga show` tell a saga's story."""

from __future__ import annotations

import json
import uuid
from typing import Any

import asyncpg
import httpx

from arcadia_testing.ops import arcadia
from arcadia_testing.plugin import eventually, unique
from arcadia_testing.stack import SERVICES, Stack


async def audit(stack: Stack, *args: str) -> tuple[int, dict[str, Any]]:
    result = await arcadia(stack, "audit", *args, "--json")
    assert result.exit_code in (0, 1), result.output
    report: dict[str, Any] = json.loads(result.stdout)
    return result.exit_code, report


async def settled(stack: Stack) -> bool:
    if not await stack.quiescent():
        return False
    return not await stack.rows("billing", "SELECT 1 FROM subscriptions WHERE status = 'pending'")


async def provisioned(stack: Stack, client: httpx.AsyncClient, tenant: str) -> tuple[str, str]:
    deployment, saga = await stack.provision(client, tenant, "shop")
    await stack.wait_terminal(client, tenant, deployment, saga, timeout_s=60)
    await eventually(lambda: settled(stack), timeout_s=30, interval_s=0.2)
    return deployment, saga


async def test_audit_finds_damage_with_its_fix_and_fix_clears_it(stack: Stack) -> None:
    tenant = unique("ops").replace("_", "-")
    async with httpx.AsyncClient(timeout=15) as client:
        deployment, saga = await provisioned(stack, client, tenant)

    code, report = await audit(stack)
    assert (code, report["clean"], report["findings"]) == (0, True, [])
    assert {g["service"] for g in report["lag"]} == set(SERVICES)
    human = await arcadia(stack, "audit", "--tenant", tenant)
    assert human.exit_code == 0
    assert "clean" in human.stdout

    conn = await asyncpg.connect(stack.databases["billing"])
    try:  # as an operator with a psql prompt would: past the ledger's foreign keys
        await conn.execute("SET session_replication_role = replica")
        await conn.execute(
            "DELETE FROM subscriptions WHERE deployment_id = $1", uuid.UUID(deployment)
        )
    finally:
        await conn.close()
    conn = await asyncpg.connect(stack.databases["api"])
    try:  # the relay could not publish the deployment's last event: parked
        parked = await conn.fetchval(
            "UPDATE outbox SET sent_at = NULL, parked_at = now(), park_reason = 'by hand',"
            " park_count = 1 WHERE id = (SELECT max(id) FROM outbox WHERE key = $1) RETURNING id",
            deployment.encode(),
        )
    finally:
        await conn.close()

    code, report = await audit(stack, "--tenant", tenant)
    assert code == 1
    found = {(f["kind"], f["fix"]) for f in report["findings"]}
    assert found == {
        ("subscription_missing", f"arcadia audit fix --deployment {deployment} --yes"),
        ("outbox_parked", f"arcadia outbox release {parked} --service api"),
    }
    listed = await arcadia(stack, "outbox", "parked", "--service", "api", "--json")
    assert listed.exit_code == 1
    assert [r["id"] for r in json.loads(listed.stdout)] == [parked]
    human = await arcadia(stack, "outbox", "parked")
    assert f"arcadia outbox release {parked} --service api" in " ".join(human.stdout.split())

    dry = await arcadia(stack, "audit", "fix", "--json")
    assert json.loads(dry.stdout)["dry_run"] is True
    assert (await audit(stack, "--tenant", tenant))[0] == 1  # a dry run changes nothing
    fixed = await arcadia(stack, "audit", "fix", "--yes", "--json")
    assert fixed.exit_code == 0, fixed.output
    assert {r["finding"]["kind"] for r in json.loads(fixed.stdout)["results"]} == {
        "subscription_missing",
        "outbox_parked",
    }

    async def clean() -> bool:
        return (await audit(stack))[0] == 0

    await eventually(clean, timeout_s=30, interval_s=0.5)
    shown = await arcadia(stack, "saga", "show", saga, "--json")
    assert shown.exit_code == 0, shown.output
    timeline = json.loads(shown.stdout)
    assert [s["status"] for s in timeline["steps"]] == ["succeeded"] * len(timeline["steps"])
    moments = {(m["service"], m["what"], m["event_type"]) for m in timeline["moments"]}
    human = await arcadia(stack, "saga", "show", saga)
    assert human.exit_code == 0, human.output
    assert "timeline" in human.stdout
    assert "reserve_subscription" in human.stdout
    assert ("api", "committed", "DeploymentProvisioningRequested") in moments
    assert ("billing", "handled", "DeploymentProvisioningRequested") in moments
    assert ("inventory", "committed", "ResourceLinked") in moments
    listed_sagas = await arcadia(
        stack, "saga", "list", "--status", "completed", "--older-than", "1s", "--json"
    )
    assert listed_sagas.exit_code == 0, listed_sagas.output
    assert saga in {s["id"] for s in json.loads(listed_sagas.stdout)}
    younger = await arcadia(stack, "saga", "list", "--older-than", "1d", "--json")
    assert saga not in {s["id"] for s in json.loads(younger.stdout)}
    stuck = await arcadia(stack, "saga", "list", "--status", "stuck")
    assert stuck.exit_code == 0


async def test_a_stopped_consumer_shows_as_lag(stack: Stack) -> None:
    tenant = unique("lag").replace("_", "-")
    stack.processes["billing"].stop()
    try:
        async with httpx.AsyncClient(timeout=15) as client:
            await stack.provision(client, tenant, "late")

        async def billing_lags() -> dict[str, Any] | None:
            result = await arcadia(stack, "topics", "--json")
            body: dict[str, Any] = json.loads(result.stdout)
            (billing,) = [g for g in body["groups"] if g["service"] == "billing"]
            return body | {"exit": result.exit_code} if billing["lag"] else None

        body = await eventually(billing_lags, timeout_s=20, interval_s=0.3)
        (billing,) = [g for g in body["groups"] if g["service"] == "billing"]
        assert billing["members"] == 0
        assert body["exit"] == 1
        assert any(t["topic"] == "arcadia.deployments.v1" and t["end"] for t in body["topics"])
        code, report = await audit(stack)
        assert code == 1
        assert ("consumer_lag", "billing") in {
            (f["kind"], f["service"]) for f in report["findings"]
        }
    finally:
        await stack.start("billing")
    await eventually(lambda: settled(stack), timeout_s=60, interval_s=0.3)
    result = await arcadia(stack, "topics")
    assert result.exit_code == 0, result.output
    assert "billing: lag 0" in result.stdout
