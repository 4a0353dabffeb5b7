"""The migrations runner against a real PostgreSQL server."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import pytest

from arcadia_platform.db import MigrationError, create_pool, migrate


def write(directory: Path, name: str, sql: str) -> None:
    directory.mkdir(exist_ok=True)
    (directory / name).write_text(sql)


async def test_each_file_applies_once(database: str, tmp_path: Path) -> None:
    write(tmp_path / "m", "0001_things.sql", "CREATE TABLE things (id int);")
    pool = await create_pool(database)
    try:
        assert await migrate(pool, [("svc", tmp_path / "m")]) == ["svc/0001_things"]
        assert await migrate(pool, [("svc", tmp_path / "m")]) == []
        write(tmp_path / "m", "0002_more.sql", "ALTER TABLE things ADD COLUMN name text;")
        assert await migrate(pool, [("svc", tmp_path / "m")]) == ["svc/0002_more"]
    finally:
        await pool.close()


async def test_changing_an_applied_file_is_an_error(database: str, tmp_path: Path) -> None:
    write(tmp_path / "m", "0001_things.sql", "CREATE TABLE things (id int);")
    pool = await create_pool(database)
    try:
        await migrate(pool, [("svc", tmp_path / "m")])
        write(tmp_path / "m", "0001_things.sql", "CREATE TABLE things (id bigint);")
        with pytest.raises(MigrationError, match="changed after it was applied"):
            await migrate(pool, [("svc", tmp_path / "m")])
    finally:
        await pool.close()


async def test_a_failing_file_rolls_back_alone(database: str, tmp_path: Path) -> None:
    write(tmp_path / "m", "0001_ok.sql", "CREATE TABLE ok (id int);")
    write(tmp_path / "m", "0002_bad.sql", "CREATE TABLE half (id int); SELECT no_such_function();")
    pool = await create_pool(database)
    try:
        with pytest.raises(asyncpg.UndefinedFunctionError):
            await migrate(pool, [("svc", tmp_path / "m")])
        async with pool.acquire() as conn:
            tables = {r["tablename"] for r in await conn.fetch("SELECT tablename FROM pg_tables")}
        assert "ok" in tables
        assert "half" not in tables
    finally:
        await pool.close()


async def test_instances_starting_together_apply_each_file_once(
    database: str, tmp_path: Path
) -> None:
    write(tmp_path / "m", "0001_things.sql", "CREATE TABLE things (id int);")
    pools = [await create_pool(database) for _ in range(4)]
    try:
        results = await asyncio.gather(*(migrate(p, [("svc", tmp_path / "m")]) for p in pools))
        assert sorted(len(r) for r in results) == [0, 0, 0, 1]
    finally:
        for pool in pools:
            await pool.close()


def test_file_names_must_be_numbered(tmp_path: Path) -> None:
    from arcadia_platform.db import load_migrations

    write(tmp_path / "m", "create_things.sql", "SELECT 1;")
    with pytest.raises(MigrationError, match="NNNN_snake_case"):
        load_migrations("svc", tmp_path / "m")
