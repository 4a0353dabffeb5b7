"""The collector against a real PostgreSQL and a real simulator: it reads what is there, read-only,
and counts an unsent outbox row as parked only where the `parked_at` column exists."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import asyncpg
import httpx
import pytest

from arcadia_cloudsim.config import SimConfig
from arcadia_cloudsim.embedded import running_cloudsim
from arcadia_contracts.dns import record_name
from arcadia_ops.collect import READ_ONLY, collect
from arcadia_ops.invariants import find_violations
from arcadia_ops.views import Sources

PLATFORM = Path(__file__).resolve().parents[3] / "libs/platform/src/arcadia_platform/migrations"
DEPLOYMENT = "7d7d1c4e-3f7a-4c43-9a55-3cb1f2f0a001"
SAGA = "7d7d1c4e-3f7a-4c43-9a55-3cb1f2f0a002"

# The columns the collector reads, as the services' migrations define them; one database plays
# all four services here.
SCHEMA = """
CREATE TABLE deployments (id uuid PRIMARY KEY, tenant_id text, slug text, state text);
CREATE TABLE sagas (id uuid PRIMARY KEY, deployment_id uuid, kind text, status text,
                    deadline_at timestamptz);
CREATE TABLE subscriptions (id uuid PRIMARY KEY, deployment_id uuid, status text);
CREATE TABLE resources (id uuid PRIMARY KEY, deployment_id uuid, status text, provider_id text);
CREATE TABLE resource_links (resource_id uuid, deployment_id uuid, unlinked_at timestamptz);
"""


async def seed(url: str, ip: str, droplet_id: int) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute((PLATFORM / "0001_outbox_inbox.sql").read_text())
        await conn.execute(SCHEMA)
        await conn.execute(
            "INSERT INTO deployments VALUES ($1, 'acme', 'shop', 'active')", DEPLOYMENT
        )
        await conn.execute(
            "INSERT INTO sagas VALUES ($1, $2, 'provision', 'completed', now())", SAGA, DEPLOYMENT
        )
        await conn.execute(
            "INSERT INTO subscriptions VALUES (gen_random_uuid(), $1, 'active')", DEPLOYMENT
        )
        resource = await conn.fetchval(
            "INSERT INTO resources VALUES (gen_random_uuid(), $1, 'active', $2) RETURNING id",
            DEPLOYMENT,
            str(droplet_id),
        )
        await conn.execute("INSERT INTO resource_links VALUES ($1, $2, NULL)", resource, DEPLOYMENT)
        # Two unsent rows, an hour old: one will be parked once the column exists.
        for n in (1, 2):
            await conn.execute(
                "INSERT INTO outbox (event_id, topic, key, value, created_at)"
                " VALUES (gen_random_uuid(), 't', $1, 'x', now() - interval '1 hour')",
                f"{DEPLOYMENT}".encode() if n == 1 else None,
            )
    finally:
        await conn.close()


@pytest.fixture
def sim() -> Iterator[str]:
    with running_cloudsim(SimConfig(activation_delay_ms=0)) as url:
        yield url


async def make_droplet(sim: str) -> tuple[int, str]:
    headers = {"Authorization": "Bearer t"}
    async with httpx.AsyncClient(base_url=sim, headers=headers) as client:
        body = {
            "name": "arcadia-shop",
            "region": "fra1",
            "size": "s-1vcpu-1gb",
            "image": "ubuntu-24-04-x64",
            "tags": ["arcadia", f"saga:{SAGA}", f"deployment:{DEPLOYMENT}"],
        }
        created = (await client.post("/v2/droplets", json=body)).json()["droplet"]
        droplet = (await client.get(f"/v2/droplets/{created['id']}")).json()["droplet"]
        (ip,) = [n["ip_address"] for n in droplet["networks"]["v4"] if n["type"] == "public"]
        record = {"type": "A", "name": record_name("shop", "acme"), "data": ip, "ttl": 60}
        (await client.post("/v2/domains/apps.test/records", json=record)).raise_for_status()
        return created["id"], ip


async def test_the_collector_reads_the_world_and_honours_parked_rows(
    database: str, sim: str
) -> None:
    droplet_id, ip = await make_droplet(sim)
    await seed(database, ip, droplet_id)
    sources = Sources(database, database, database, database, sim, "t", "apps.test")

    world = await collect(sources)

    assert [(d.id, d.state, d.provisioned) for d in world.deployments] == [
        (DEPLOYMENT, "active", True)
    ]
    assert [(r.provider_id, r.linked) for r in world.resources] == [(str(droplet_id), True)]
    assert [(d.id, d.public_ip) for d in world.droplets] == [(droplet_id, ip)]
    assert [(r.name, r.data) for r in world.records] == [(record_name("shop", "acme"), ip)]
    # No parked_at column: nothing is parked, and each database's two rows are stuck.
    assert len(world.outbox) == 8
    assert not any(row.parked for row in world.outbox)
    stuck = find_violations(world, outbox_bound=timedelta(minutes=5))
    assert [(v.kind, v.deployment_id) for v in stuck].count(("outbox_stuck", DEPLOYMENT)) == 4
    assert {v.kind for v in stuck} == {"outbox_stuck"}

    conn = await asyncpg.connect(database)
    try:
        await conn.execute("ALTER TABLE outbox ADD COLUMN parked_at timestamptz")
        await conn.execute("UPDATE outbox SET parked_at = now() WHERE key IS NULL")
    finally:
        await conn.close()
    world = await collect(sources)

    assert sorted(row.parked for row in world.outbox) == [False] * 4 + [True] * 4
    stuck = find_violations(world, outbox_bound=timedelta(minutes=5))
    assert [(v.kind, v.deployment_id) for v in stuck] == [("outbox_stuck", DEPLOYMENT)] * 4


async def test_the_collectors_sessions_cannot_write(database: str, sim: str) -> None:
    droplet_id, ip = await make_droplet(sim)
    await seed(database, ip, droplet_id)
    conn = await asyncpg.connect(database, server_settings=READ_ONLY)
    try:
        with pytest.raises(asyncpg.ReadOnlySQLTransactionError):
            await conn.execute("DELETE FROM outbox")
    finally:
        await conn.close()
