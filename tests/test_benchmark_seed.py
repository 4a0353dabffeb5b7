"""benchmarks/seed.py against a real PostgreSQL: cloned rows keep every key and join intact."""

from __future__ import annotations

import asyncpg
import pytest

from benchmarks.seed import clone_database

pytestmark = pytest.mark.integration

SCHEMA = """
CREATE TABLE plans (code text PRIMARY KEY);
CREATE TABLE deployments (
    id uuid PRIMARY KEY, tenant_id text NOT NULL, slug text NOT NULL,
    plan_code text NOT NULL REFERENCES plans (code), UNIQUE (tenant_id, slug));
CREATE TABLE ledger (id bigserial PRIMARY KEY, deployment_id uuid NOT NULL REFERENCES deployments (id),
    droplet_id bigint UNIQUE, amount integer NOT NULL);
CREATE TABLE lines (ledger_id bigint PRIMARY KEY REFERENCES ledger (id), note text);
CREATE TABLE resources (id uuid PRIMARY KEY, provider text NOT NULL, provider_id text NOT NULL,
    UNIQUE (provider, provider_id));
CREATE TABLE links (resource_id uuid NOT NULL REFERENCES resources (id), deployment_id uuid
    NOT NULL REFERENCES deployments (id), PRIMARY KEY (resource_id, deployment_id));
INSERT INTO plans VALUES ('basic');
INSERT INTO resources VALUES ('00000000-0000-0000-0000-00000000000a', 'do', '7');
INSERT INTO deployments VALUES
    ('00000000-0000-0000-0000-000000000001', 'acme', 'web', 'basic'),
    ('00000000-0000-0000-0000-000000000002', 'acme', 'api', 'basic');
INSERT INTO ledger (deployment_id, droplet_id, amount) VALUES
    ('00000000-0000-0000-0000-000000000001', 7, 100),
    ('00000000-0000-0000-0000-000000000002', 8, 250);
INSERT INTO lines SELECT id, 'line' FROM ledger;
INSERT INTO links VALUES ('00000000-0000-0000-0000-00000000000a',
    '00000000-0000-0000-0000-000000000001');
"""


async def test_every_row_is_copied_with_its_keys_and_joins(database: str) -> None:
    conn = await asyncpg.connect(database)
    try:
        await conn.execute(SCHEMA)
        inserted = await clone_database(database, 3)
        joined = await conn.fetch(
            "SELECT d.tenant_id, d.plan_code, l.amount, n.note FROM deployments d"
            " JOIN ledger l ON l.deployment_id = d.id JOIN lines n ON n.ledger_id = l.id"
        )
        tenants = await conn.fetchval("SELECT count(DISTINCT tenant_id) FROM deployments")
        next_id = await conn.fetchval(
            "INSERT INTO ledger (deployment_id, amount) SELECT id, 1 FROM deployments LIMIT 1"
            " RETURNING id"
        )
        top = await conn.fetchval("SELECT max(id) FROM ledger WHERE amount <> 1")
    finally:
        await conn.close()
    # plans: the catalog; resources: a unique pair of texts, made to differ per copy
    assert inserted == {"deployments": 6, "ledger": 6, "lines": 6, "resources": 3, "links": 3}
    assert len(joined) == 8  # every copy's rows still join: 2 originals + 3 copies of 2
    assert {r["plan_code"] for r in joined} == {"basic"}
    assert sorted(r["amount"] for r in joined) == [100] * 4 + [250] * 4
    assert tenants == 4  # each copy is a tenant of its own
    assert next_id > top  # the sequence was moved past the copies
