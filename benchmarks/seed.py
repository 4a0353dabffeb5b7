"""Grow a running platform's databases to N deployments by cloning the rows real sagas wrote.

The saga benchmark's `--seed N` runs real sagas first, then calls `clone_databases`: every row of
every service table (deployments, their events, sagas and steps, subscriptions, ledger, billing's
views, resources, links, DNS records, provider jobs, outbox and inbox rows...) is copied `copies`
times in one INSERT ... SELECT per table. Each copy maps every uuid column through the same
function of (value, copy) in every database, so a cloned deployment's rows still join across
tables and services; unique text columns and `tenant_id` get a per-copy suffix (each copy is a
set of new tenants); unique or sequence-fed integer columns (and the foreign keys to them) are
shifted by copy * 10^9. Catalog tables (plans, add-ons, prices) and bookkeeping are left alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

SKIPPED = frozenset(
    {
        *("schema_migrations", "plans", "plan_versions", "addons", "addon_prices"),
        *("drift_scans", "dead_letters", "provider_budget", "provider_admission"),
    }
)
# Per copy; an integer key stays below 100,000 in a benchmark's real rows.
SHIFT = {"bigint": "1000000000::bigint", "integer": "100000"}
INTEGERS = tuple(SHIFT)


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    unique: bool  # a unique index of its own (composite ones hold a uuid or a tenant id)
    serial: bool
    references: str | None  # the table a foreign key on this column points to


async def columns_of(conn: asyncpg.Connection) -> dict[str, list[Column]]:
    rows = await conn.fetch(
        """
        SELECT c.relname AS table, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
               coalesce(pg_get_expr(d.adbin, d.adrelid), '') LIKE 'nextval(%' AS serial,
               EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisunique
                       AND i.indnatts = 1 AND i.indkey[0] = a.attnum) AS unique,
               (SELECT confrelid::regclass::text FROM pg_constraint f
                 WHERE f.conrelid = c.oid AND f.contype = 'f' AND a.attnum = ANY (f.conkey)
                 LIMIT 1) AS references
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
        WHERE c.relkind = 'r'
        ORDER BY c.relname, a.attnum
        """
    )
    tables: dict[str, list[Column]] = {}
    for r in rows:
        column = Column(r["name"], r["type"], r["unique"], r["serial"], r["references"])
        tables.setdefault(r["table"], []).append(column)
    return tables


def cloned(column: Column, forced: bool = False) -> str:
    """The SQL expression for `column` in copy `k`; `forced`: it must differ per copy (it makes a
    unique index of several columns unique, and no other column of that index does)."""
    name = f'"{column.name}"'
    if column.references in SKIPPED:
        return name  # points at the catalog: the same plan for every copy
    if column.type == "uuid":
        return f"md5({name}::text || ':' || k)::uuid"
    if column.type in INTEGERS and (forced or column.unique or column.serial or column.references):
        return f"{name} + k * {SHIFT[column.type]}"
    if column.type == "text" and (forced or column.unique or column.name == "tenant_id"):
        return f"{name} || '-s' || k"  # passes the slug and tenant id checks
    return name


async def forced_columns(
    conn: asyncpg.Connection, tables: dict[str, list[Column]]
) -> set[tuple[str, str]]:
    """(table, column): one column of each unique index that no rule would make differ per copy
    (e.g. inventory's UNIQUE (provider, provider_id): two texts)."""
    indexes = await conn.fetch(
        """
        SELECT c.relname AS table, array_agg(a.attname ORDER BY a.attnum) AS columns
        FROM pg_index i
        JOIN pg_class c ON c.oid = i.indrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY (i.indkey)
        WHERE i.indisunique AND i.indnatts > 1
        GROUP BY i.indexrelid, c.relname
        """
    )
    forced: set[tuple[str, str]] = set()
    for index in indexes:
        members = [c for c in tables.get(index["table"], []) if c.name in index["columns"]]
        if any(cloned(c) != f'"{c.name}"' for c in members):
            continue
        for column in reversed(members):  # the last: the id-like one (provider, provider_id)
            if column.type == "text" or column.type in INTEGERS:
                forced.add((index["table"], column.name))
                break
    return forced


def order_by_references(tables: dict[str, list[Column]]) -> list[str]:
    """Referenced tables first, so that every foreign key finds its row."""
    ordered: list[str] = []

    def visit(table: str, path: tuple[str, ...]) -> None:
        if table in ordered or table in path or table not in tables:
            return
        for column in tables[table]:
            if column.references and column.references != table:
                visit(column.references, (*path, table))
        ordered.append(table)

    for table in sorted(tables):
        visit(table, ())
    return ordered


async def clone_database(url: str, copies: int) -> dict[str, int]:
    """Copy every row of every service table `copies` times; rows inserted per table."""
    conn = await asyncpg.connect(url)
    try:
        tables = {t: c for t, c in (await columns_of(conn)).items() if t not in SKIPPED}
        forced = await forced_columns(conn, tables)
        inserted: dict[str, int] = {}
        async with conn.transaction():
            for table in order_by_references(tables):
                names = ", ".join(f'"{c.name}"' for c in tables[table])
                values = ", ".join(cloned(c, (table, c.name) in forced) for c in tables[table])
                status = await conn.execute(
                    f'INSERT INTO "{table}" ({names}) SELECT {values}'
                    # A bookkeeping row no rule makes unique is copied once, not failed on.
                    f' FROM "{table}", generate_series(1, $1) AS k ON CONFLICT DO NOTHING',
                    copies,
                )
                inserted[table] = int(status.split()[-1])
            for table, column_list in tables.items():
                for column in (c for c in column_list if c.serial):
                    await conn.execute(
                        f"SELECT setval(pg_get_serial_sequence('\"{table}\"', '{column.name}'),"
                        f' (SELECT max("{column.name}") FROM "{table}"))'
                    )
        await conn.execute("ANALYZE")
        return inserted
    finally:
        await conn.close()
