"""/api/v1/sagas: saga records across tenants, for operators (e.g. the compensation failures)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, get, post
from litestar.params import Parameter

from arcadia_api.deployments import queries
from arcadia_api.deployments.controllers import saga_timeouts
from arcadia_api.http.auth import operator_only
from arcadia_api.http.principal import Principal
from arcadia_api.http.problems import problem_responses
from arcadia_api.saga.abort import operator_abort
from arcadia_api.saga.schemas import AbortSaga, SagaList, SagaView
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

    @post(
        "/{saga_id:uuid}/abort",
        status_code=202,
        responses=problem_responses(400, 401, 403, 404, 409),
    )
    async def abort_saga(
        self, runtime: ServiceRuntime, principal: Principal, saga_id: UUID, data: AbortSaga
    ) -> SagaView:
        """Operators: abort a running provisioning saga (`arcadia saga abort`). Every participant
        hears `ProvisioningAborted` and undoes its part; the saga ends `compensated` and the
        deployment `cancelled`. 409 `saga-not-abortable` unless it is a running provisioning
        saga."""
        async with runtime.pool.acquire() as conn, conn.transaction():
            saga = await operator_abort(
                conn, runtime.outbox, saga_id, principal, data.reason, saga_timeouts(runtime)
            )
        runtime.outbox.notify()
        return SagaView.of(saga)
