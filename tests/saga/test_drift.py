"""Inventory and drift on a whole stack (real Kafka, PostgreSQL and services; cloudsim the only
simulated part): tenants see their own inventory, operators everyone's; after many sagas a scan
finds nothing; an orphan, a ghost and an edited DNS record made in cloudsim behind the platform's
back are each found by the next scan (and published as DriftDetected), fixed one at a time with
`arcadia drift fix`, and then closed, never deleted."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner, Result

from arcadia_contracts.codec import decode
from arcadia_contracts.events.inventory import DriftDetected
from arcadia_ops.cli import app
from arcadia_testing.gateway import TEST_SECRET
from arcadia_testing.plugin import eventually
from arcadia_testing.saga_driver import SagaDriver
from arcadia_testing.stack import BASE_DOMAIN, PROVIDER_TOKEN, SERVICES, Stack
from tests.saga.conftest import PATIENT

SAGAS = 12
# Every saga must complete; scans run only when asked (no schedule), and a tagged droplet is an
# orphan at once (no grace: the test waits for every saga to end before it scans).
STACK_ENV = PATIENT | {
    "ARCADIA_INVENTORY_DRIFT_SCAN_INTERVAL_S": "0",
    "ARCADIA_INVENTORY_DRIFT_GRACE_S": "0",
    "ARCADIA_INVENTORY_DNS_DOMAIN": BASE_DOMAIN,
}
runner = CliRunner()
AUTH = {"Authorization": f"Bearer {PROVIDER_TOKEN}"}


def cli_env(stack: Stack) -> dict[str, str]:
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": stack.infra.kafka,
        "ARCADIA_OPS_TOPIC_NAMESPACE": stack.namespace,
        "ARCADIA_API_JWT_SECRET": TEST_SECRET,
        "COLUMNS": "250",
    }
    for service in SERVICES:
        env[f"ARCADIA_{service.upper()}_DATABASE_URL"] = stack.databases[service]
        env[f"ARCADIA_{service.upper()}_HTTP_PORT"] = str(stack.ports[service])
    return env


async def arcadia(stack: Stack, *args: str) -> Result:
    return await asyncio.to_thread(runner.invoke, app, list(args), env=cli_env(stack))


async def scan(client: httpx.AsyncClient, stack: Stack) -> dict[str, Any]:
    """POST /drift/scan (202) and wait for the scan to be done."""
    operator = stack.auth("ops", operator=True)
    asked = await client.post(f"{stack.api}/api/v1/drift/scan", headers=operator)
    assert asked.status_code == 202, asked.text

    async def done() -> dict[str, Any] | None:
        got = await client.get(
            f"{stack.api}/api/v1/drift/scans/{asked.json()['id']}", headers=operator
        )
        body: dict[str, Any] = got.json()
        return body if body["status"] in ("done", "failed") else None

    result: dict[str, Any] = await eventually(done, timeout_s=90, interval_s=0.3)
    assert result["status"] == "done", result
    return result


async def findings(client: httpx.AsyncClient, stack: Stack, status: str) -> list[dict[str, Any]]:
    got = await client.get(
        f"{stack.api}/api/v1/drift",
        params={"status": status, "limit": 500},
        headers=stack.auth("ops", operator=True),
    )
    assert got.status_code == 200, got.text
    items: list[dict[str, Any]] = got.json()["items"]
    return items


async def inventory(client: httpx.AsyncClient, stack: Stack, tenant: str, **params: Any) -> Any:
    got = await client.get(
        f"{stack.api}/api/v1/inventory",
        params={"limit": 500, **params},
        headers=stack.auth(tenant, operator=tenant == "ops"),
    )
    assert got.status_code == 200, got.text
    return got.json()["items"]


@pytest.mark.timeout(600)
async def test_inventory_is_tenant_scoped_and_drift_is_found_fixed_and_closed(
    stack: Stack, client: httpx.AsyncClient
) -> None:
    runs = await SagaDriver(stack, concurrency=SAGAS).run(SAGAS, timeout_s=300)
    assert {run.status for run in runs} == {"completed"}
    mine, theirs, edited = runs[0], runs[1], runs[2]

    # Tenants see their own droplet and DNS record; operators see everyone's.
    async def registered() -> Any:
        items = await inventory(client, stack, "ops", status="active")
        return items if len(items) == 2 * SAGAS else None

    everything = await eventually(registered, timeout_s=60)
    assert {i["kind"] for i in everything} == {"droplet", "dns_record"}
    own = await inventory(client, stack, mine.tenant)
    assert {(i["tenant_id"], i["deployment_id"]) for i in own} == {
        (mine.tenant, mine.deployment_id)
    }
    assert sorted(i["kind"] for i in own) == ["dns_record", "droplet"]
    droplet = next(i for i in own if i["kind"] == "droplet")
    assert droplet["priced"] is True
    assert droplet["monthly_cost_cents"] > 0
    refused = await client.get(
        f"{stack.api}/api/v1/inventory",
        params={"tenant_id": theirs.tenant},
        headers=stack.auth(mine.tenant),
    )
    assert refused.status_code == 403

    # A clean platform after many sagas: nothing found.
    clean = await scan(client, stack)
    assert (clean["found"], clean["opened"], clean["droplets_seen"]) == (0, 0, SAGAS)
    assert await findings(client, stack, "open") == []

    # Behind the platform's back: an orphan, a ghost, an edited record.
    ghost_id = next(
        i["provider_id"]
        for i in everything
        if i["kind"] == "droplet" and i["deployment_id"] == theirs.deployment_id
    )
    record = next(
        i
        for i in everything
        if i["kind"] == "dns_record" and i["deployment_id"] == edited.deployment_id
    )
    async with httpx.AsyncClient(base_url=stack.sim, headers=AUTH, timeout=10) as cloud:
        made = await cloud.post(
            "/v2/droplets",
            json={
                "name": "stray",
                "region": "nyc3",
                "size": "s-1vcpu-1gb",
                "image": "ubuntu-24-04-x64",
                "tags": ["arcadia"],
            },
        )
        assert made.status_code == 202, made.text
        orphan_id = str(made.json()["droplet"]["id"])
        assert (await cloud.delete(f"/v2/droplets/{ghost_id}")).status_code == 204
        name = record["fqdn"].removesuffix(f".{BASE_DOMAIN}")
        put = await cloud.put(
            f"/v2/domains/{BASE_DOMAIN}/records/{record['provider_id']}",
            json={"type": "A", "name": name, "data": "198.51.100.77", "ttl": 300},
        )
        assert put.status_code == 200, put.text

    found = await scan(client, stack)
    assert (found["found"], found["opened"]) == (3, 3)
    open_ = {
        (f["kind"], f["subject_kind"], f["subject"]): f
        for f in await findings(client, stack, "open")
    }
    assert set(open_) == {
        ("orphan", "droplet", orphan_id),
        ("ghost", "droplet", ghost_id),
        ("mismatch", "dns_record", record["provider_id"]),
    }
    mismatch = open_[("mismatch", "dns_record", record["provider_id"])]
    assert (mismatch["field"], mismatch["expected"], mismatch["actual"]) == (
        "content",
        record["ip_address"],
        "198.51.100.77",
    )
    published = await stack.rows("inventory", "SELECT value FROM outbox ORDER BY id")
    events = [decode(row["value"]).payload for row in published]
    detected = [e.finding_id for e in events if isinstance(e, DriftDetected)]
    assert sorted(detected) == sorted(f["id"] for f in open_.values())

    # Seen again by the next scan: the same findings, nothing new published.
    again = await scan(client, stack)
    assert (again["found"], again["opened"], again["closed"]) == (3, 0, 0)

    # Fixed one at a time: a dry run first, then --yes.
    for finding in open_.values():
        dry = await arcadia(stack, "drift", "fix", finding["id"])
        assert dry.exit_code == 0, dry.output
        assert "would" in dry.output
    assert len(await findings(client, stack, "open")) == 3
    ghost = open_[("ghost", "droplet", ghost_id)]
    fixed = await arcadia(stack, "drift", "fix", ghost["id"], "--yes", "--json")
    assert fixed.exit_code == 0, fixed.output
    outcome = json.loads(fixed.output)
    assert outcome["applied"] is True
    assert outcome["deployment_id"] == theirs.deployment_id
    for key in (
        ("orphan", "droplet", orphan_id),
        ("mismatch", "dns_record", record["provider_id"]),
    ):
        result = await arcadia(stack, "drift", "fix", open_[key]["id"], "--yes")
        assert result.exit_code == 0, result.output

    state = await stack.sim_state(client)
    assert orphan_id not in {str(d["id"]) for d in state["droplets"]}
    [repaired] = [r for r in state["records"] if str(r["id"]) == record["provider_id"]]
    assert repaired["data"] == record["ip_address"]
    [released] = await inventory(
        client, stack, "ops", deployment_id=theirs.deployment_id, kind="droplet"
    )
    assert released["status"] == "released"

    # Closed, kept, and the next scan finds nothing.
    assert await findings(client, stack, "open") == []
    closed = {f["id"]: f for f in await findings(client, stack, "closed")}
    assert {f["id"] for f in open_.values()} <= set(closed)
    assert all(closed[f["id"]]["closed_at"] for f in open_.values())
    after = await scan(client, stack)
    assert (after["found"], after["opened"]) == (0, 0)
    listed = await arcadia(stack, "drift", "list")
    assert listed.exit_code == 0, listed.output
