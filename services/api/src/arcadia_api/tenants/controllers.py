"""/api/v1/tenants: every tenant seen, for operators."""

from __future__ import annotations

from litestar import Controller, get

from arcadia_api.deployments import queries
from arcadia_api.deployments.schemas import TenantList
from arcadia_api.http.auth import operator_only
from arcadia_api.http.problems import problem_responses
from arcadia_platform.runtime import ServiceRuntime


class TenantController(Controller):
    path = "/tenants"
    tags = ["tenants"]
    guards = [operator_only]

    @get("/", responses=problem_responses(400, 401, 403))
    async def list_tenants(self, runtime: ServiceRuntime) -> TenantList:
        """Operators: every tenant with a deployment, and its deployment count per state."""
        async with runtime.pool.acquire() as conn:
            return await queries.tenant_summaries(conn)
