"""/api/v1/sagas: saga records across tenants, for operators (e.g. the compensation failures)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.params import Parameter

from arcadia_api.deployments import queries
from arcadia_api.http.auth import operator_only
from arcadia_api.http.problems import problem_responses
from arcadia_api.saga.schemas import SagaList
from arcadia_api.saga.steps import SagaKind, SagaStatus
from arcadia_platform.runtime import ServiceRuntime


class SagaController(Controller):
    path = "/sagas"
    tags = ["sagas"]
    guards = [operator_only]

    @get("/", responses=problem_responses(400, 401, 403))
    async def list_sagas(
        self,
        runtime: ServiceRuntime,
        status: Annotated[SagaStatus | None, Parameter(query="status")] = None,
        kind: Annotated[SagaKind | None, Parameter(query="kind")] = None,
        limit: Annotated[int, Parameter(ge=1, le=500)] = 100,
    ) -> SagaList:
        """Operators: sagas newest first, by status (e.g. `compensation_failed`) and kind."""
        async with runtime.pool.acquire() as conn:
            return await queries.saga_list(conn, status=status, kind=kind, limit=limit)
