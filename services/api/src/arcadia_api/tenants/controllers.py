"""/api/v1/tenants: every tenant seen, for operators."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.params import Parameter

from arcadia_api.deployments import queries
from arcadia_api.deployments.schemas import TenantList
from arcadia_api.http.auth import operator_only
from arcadia_api.http.pagination import CursorQuery
from arcadia_api.http.problems import problem_responses
from arcadia_platform.runtime import ServiceRuntime


class TenantController(Controller):
    path = "/tenants"
    tags = ["tenants"]
    guards = [operator_only]

    @get("/", responses=problem_responses(400, 401, 403, 422))
    async def list_tenants(
        self,
        runtime: ServiceRuntime,
        limit: Annotated[int, Parameter(ge=1, le=500, description="Page size.")] = 100,
        cursor: CursorQuery = None,
    ) -> TenantList:
        """Operators: tenants with a deployment, by id, and their deployment count per state."""
        async with runtime.pool.acquire() as conn:
            return await queries.tenant_summaries(conn, limit=limit, cursor=cursor)
