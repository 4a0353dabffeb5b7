"""GET /internal/v1/resources and /resources/{id}: the inventory, filtered."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from arcadia_inventory.adapters.queries import InventoryQueries, ResourceFilter
from arcadia_inventory.http.query import parse_query
from arcadia_inventory.http.schemas import ResourcePage, ResourceQuery, ResourceView
from arcadia_platform.problems import ProblemError


class ResourceController(Controller):
    path = "/resources"

    @get("/")
    async def list_resources(
        self, request: Request[Any, Any, Any], queries: NamedDependency[InventoryQueries]
    ) -> ResourcePage:
        query = parse_query(request, ResourceQuery)
        where = ResourceFilter(query.tenant_id, query.deployment_id, query.status)
        found = await queries.find(where, limit=query.limit, offset=query.offset)
        return ResourcePage(
            items=[ResourceView.of(item) for item in found], limit=query.limit, offset=query.offset
        )

    @get("/{resource_id:str}")
    async def get_resource(
        self, resource_id: FromPath[str], queries: NamedDependency[InventoryQueries]
    ) -> ResourceView:
        try:
            key = UUID(resource_id)
        except ValueError:
            key = None  # not an id we could have issued: as absent as any other
        found = await queries.get(key) if key is not None else None
        if found is None:
            raise ProblemError(404, "No such resource", slug="resource-not-found")
        return ResourceView.of(found)
