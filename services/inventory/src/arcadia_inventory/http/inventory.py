"""GET /internal/v1/inventory: droplets and DNS records, filtered, oldest registration first."""

from __future__ import annotations

from typing import Any

import asyncpg
from litestar import Request, get
from litestar.di import NamedDependency

from arcadia_inventory.adapters.inventory_items import ItemFilter, items_page
from arcadia_inventory.http.drift_schemas import ItemPage, ItemQuery, ItemView
from arcadia_inventory.http.query import parse_query
from arcadia_platform.problems import ProblemError


@get("/inventory")
async def list_inventory(
    request: Request[Any, Any, Any], pool: NamedDependency[asyncpg.Pool]
) -> ItemPage:
    query = parse_query(request, ItemQuery)
    if (query.after_registered_at is None) != (query.after_id is None):
        raise ProblemError(400, "after_registered_at and after_id go together", slug="query")
    after = (
        (query.after_registered_at, query.after_id)
        if query.after_registered_at is not None and query.after_id is not None
        else None
    )
    where = ItemFilter(
        tenant_id=query.tenant_id,
        deployment_id=query.deployment_id,
        kind=None if query.kind is None else str(query.kind),
        status=None if query.status is None else str(query.status),
    )
    rows = await items_page(pool, where, after=after, limit=query.limit + 1)
    return ItemPage(
        items=[ItemView.of(r) for r in rows[: query.limit]], more=len(rows) > query.limit
    )
