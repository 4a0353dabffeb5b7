"""GET /internal/v1/costs: what the active resources cost per month, per deployment and tenant."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.di import NamedDependency

from arcadia_inventory.adapters.queries import InventoryQueries
from arcadia_inventory.http.query import parse_query
from arcadia_inventory.http.schemas import CostQuery, CostReport


@get("/costs")
async def get_costs(
    request: Request[Any, Any, Any], queries: NamedDependency[InventoryQueries]
) -> CostReport:
    query = parse_query(request, CostQuery)
    per_deployment, per_tenant = await queries.costs(query.tenant_id)
    return CostReport.of(per_deployment, per_tenant)
