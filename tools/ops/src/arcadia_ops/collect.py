"""Collects the audit's views: SQL against the four services' databases (read-only transactions)
and the provider's DigitalOcean API v2 (droplets tagged `arcadia`, the base domain's records)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import asyncpg
import httpx

from arcadia_ops.views import (
    Deployment,
    Droplet,
    OutboxRow,
    Record,
    Resource,
    Saga,
    Sources,
    Subscription,
    World,
)

# Every session the audit opens refuses writes, whatever a query says.
READ_ONLY = {"default_transaction_read_only": "on"}
DROPLET_TAG = "arcadia"
PAGE_SIZE = 200

DEPLOYMENTS = """
SELECT d.id::text AS id, d.tenant_id, d.slug, d.state,
       EXISTS (SELECT 1 FROM sagas s WHERE s.deployment_id = d.id AND s.kind = 'provision')
           AS provisioned
FROM deployments d
"""
SAGAS = "SELECT id::text AS id, deployment_id::text AS deployment_id, kind, status, deadline_at FROM sagas"
SUBSCRIPTIONS = (
    "SELECT id::text AS id, deployment_id::text AS deployment_id, status FROM subscriptions"
)
RESOURCES = """
SELECT r.id::text AS id, r.deployment_id::text AS deployment_id, r.status, r.provider_id,
       EXISTS (SELECT 1 FROM resource_links l
               WHERE l.resource_id = r.id AND l.deployment_id = r.deployment_id
                 AND l.unlinked_at IS NULL) AS linked
FROM resources r
"""
# `parked_at` is newer than some databases: a row can only be parked where the column exists.
HAS_PARKED = """
SELECT EXISTS (SELECT 1 FROM information_schema.columns
               WHERE table_schema = current_schema() AND table_name = 'outbox'
                 AND column_name = 'parked_at')
"""
_OUTBOX = (
    "SELECT id, key, created_at, sent_at, @PARKED@ AS parked FROM outbox WHERE sent_at IS NULL"
)


async def _read(url: str, queries: list[str]) -> tuple[datetime, list[list[asyncpg.Record]]]:
    """Run `queries` in one read-only snapshot; also the server's clock at that moment."""
    conn = await asyncpg.connect(url, server_settings=READ_ONLY)
    try:
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            now: datetime = await conn.fetchval("SELECT clock_timestamp()")
            parked = "parked_at IS NOT NULL" if await conn.fetchval(HAS_PARKED) else "false"
            results = [await conn.fetch(q.replace("@PARKED@", parked)) for q in [*queries, _OUTBOX]]
        return now, results
    finally:
        await conn.close()


def _outbox(service: str, rows: list[asyncpg.Record]) -> list[OutboxRow]:
    return [
        OutboxRow(
            service=service,
            id=r["id"],
            key=bytes(r["key"]).decode(errors="replace") if r["key"] is not None else None,
            created_at=r["created_at"],
            sent_at=r["sent_at"],
            parked=r["parked"],
        )
        for r in rows
    ]


async def _pages(client: httpx.AsyncClient, url: str, field: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    next_url: str | None = url
    while next_url:
        response = await client.get(next_url)
        response.raise_for_status()
        body = response.json()
        items.extend(body[field])
        next_url = (body.get("links") or {}).get("pages", {}).get("next")
    return items


def _public_ip(droplet: dict[str, Any]) -> str | None:
    for net in droplet.get("networks", {}).get("v4", []):
        if net.get("type") == "public":
            return str(net["ip_address"])
    return None


async def _provider(sources: Sources) -> tuple[list[Droplet], list[Record]]:
    headers = {"Authorization": f"Bearer {sources.provider_token}"}
    async with httpx.AsyncClient(base_url=sources.provider_url, headers=headers, timeout=30) as c:
        droplets = await _pages(
            c, f"/v2/droplets?tag_name={DROPLET_TAG}&per_page={PAGE_SIZE}", "droplets"
        )
        records = await _pages(
            c, f"/v2/domains/{sources.base_domain}/records?per_page={PAGE_SIZE}", "domain_records"
        )
    return (
        [
            Droplet(id=d["id"], status=d["status"], tags=tuple(d["tags"]), public_ip=_public_ip(d))
            for d in droplets
        ],
        [Record(id=r["id"], type=r["type"], name=r["name"], data=r["data"]) for r in records],
    )


async def collect(sources: Sources) -> World:
    """Every view at (about) one moment: the databases are read concurrently, then the provider."""
    api, billing, inventory, provisioner = await asyncio.gather(
        _read(sources.api_db, [DEPLOYMENTS, SAGAS]),
        _read(sources.billing_db, [SUBSCRIPTIONS]),
        _read(sources.inventory_db, [RESOURCES]),
        _read(sources.provisioner_db, []),
    )
    droplets, records = await _provider(sources)
    now, (deployments, sagas, api_outbox) = api
    return World(
        now=now,
        # Each query selects exactly its view's fields, by name.
        deployments=[Deployment(**dict(r)) for r in deployments],
        sagas=[Saga(**dict(r)) for r in sagas],
        subscriptions=[Subscription(**dict(r)) for r in billing[1][0]],
        resources=[Resource(**dict(r)) for r in inventory[1][0]],
        droplets=droplets,
        records=records,
        outbox=[
            *_outbox("api", api_outbox),
            *_outbox("billing", billing[1][-1]),
            *_outbox("inventory", inventory[1][-1]),
            *_outbox("provisioner", provisioner[1][-1]),
        ],
    )
