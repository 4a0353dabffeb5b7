"""Drift on the internal API: findings (listed, one, fixed) and scans (asked for, looked at)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from arcadia_inventory.adapters.cloud import Cloud
from arcadia_inventory.adapters.drift_store import DriftStore
from arcadia_inventory.commands import fix_finding, request_scan
from arcadia_inventory.config import InventorySettings
from arcadia_inventory.http.drift_schemas import (
    FindingPage,
    FindingQuery,
    FindingView,
    FixQuery,
    FixView,
    ScanView,
)
from arcadia_inventory.http.query import parse_query
from arcadia_inventory.scanner import DriftScanner
from arcadia_platform.outbox import Outbox
from arcadia_platform.problems import ProblemError


def _uuid(text: str, what: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        raise ProblemError(404, f"No such {what}", slug=f"{what}-not-found") from None


class DriftController(Controller):
    path = "/drift"

    @post("/scans", status_code=202)
    async def scan(
        self, pool: NamedDependency[asyncpg.Pool], scanner: NamedDependency[DriftScanner]
    ) -> ScanView:
        scan = await request_scan(pool)
        scanner.wake()
        return ScanView.of(scan)

    @get("/scans/{scan_id:str}")
    async def get_scan(
        self, scan_id: FromPath[str], pool: NamedDependency[asyncpg.Pool]
    ) -> ScanView:
        async with pool.acquire() as conn:
            found = await DriftStore(conn).scan(_uuid(scan_id, "scan"))
        if found is None:
            raise ProblemError(404, "No such scan", slug="scan-not-found")
        return ScanView.of(found)

    @get("/findings")
    async def findings(
        self, request: Request[Any, Any, Any], pool: NamedDependency[asyncpg.Pool]
    ) -> FindingPage:
        query = parse_query(request, FindingQuery)
        if (query.after_first_seen is None) != (query.after_id is None):
            raise ProblemError(400, "after_first_seen and after_id go together", slug="query")
        after = (
            (query.after_first_seen, query.after_id)
            if query.after_first_seen is not None and query.after_id is not None
            else None
        )
        status = None if query.status is None else str(query.status)
        async with pool.acquire() as conn:
            rows = await DriftStore(conn).page(status=status, after=after, limit=query.limit + 1)
        return FindingPage(
            items=[FindingView.of(f) for f in rows[: query.limit]], more=len(rows) > query.limit
        )

    @get("/findings/{finding_id:str}")
    async def finding(
        self, finding_id: FromPath[str], pool: NamedDependency[asyncpg.Pool]
    ) -> FindingView:
        async with pool.acquire() as conn:
            found = await DriftStore(conn).get(_uuid(finding_id, "finding"))
        if found is None:
            raise ProblemError(404, "No such finding", slug="finding-not-found")
        return FindingView.of(found)

    @post("/findings/{finding_id:str}/fix", status_code=200)
    async def fix(
        self,
        request: Request[Any, Any, Any],
        finding_id: FromPath[str],
        pool: NamedDependency[asyncpg.Pool],
        cloud: NamedDependency[Cloud],
        settings: NamedDependency[InventorySettings],
        outbox: NamedDependency[Outbox],
    ) -> FixView:
        query = parse_query(request, FixQuery)
        outcome = await fix_finding(
            pool,
            cloud,
            _uuid(finding_id, "finding"),
            confirm=query.confirm,
            prices=settings.droplet_prices_cents,
            outbox=outbox,
        )
        return FixView(
            finding=FindingView.of(outcome.finding),
            action=outcome.action,
            applied=outcome.applied,
            deployment_id=outcome.deployment_id,
            tenant_id=outcome.tenant_id,
        )
