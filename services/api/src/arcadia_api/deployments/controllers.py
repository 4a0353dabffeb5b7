"""/api/v1/deployments: list, create, read, transition, billing override."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Parameter

from arcadia_api.billing.client import BillingClient
from arcadia_api.config import ApiSettings
from arcadia_api.deployments import commands, queries
from arcadia_api.deployments.domain import Deployment, DeploymentState
from arcadia_api.deployments.schemas import (
    BillingOverrideRequest,
    CreateDeployment,
    DeploymentDetail,
    DeploymentEventPage,
    DeploymentPage,
    ProvisioningStarted,
    TransitionRequest,
)
from arcadia_api.http.auth import operator_only
from arcadia_api.http.pagination import CursorQuery
from arcadia_api.http.principal import Principal
from arcadia_api.http.problems import problem_responses
from arcadia_api.http.tokens import TENANT_ID
from arcadia_api.saga.admission import ProviderAdmission
from arcadia_api.saga.model import SagaTimeouts
from arcadia_api.subscriptions import commands as subscriptions
from arcadia_platform.db import Connection
from arcadia_platform.idempotency import IdempotentPost, Outcome, outcome
from arcadia_platform.runtime import ServiceRuntime

TenantFilter = Annotated[
    str | None,
    Parameter(
        query="tenant_id",
        pattern=f"^{TENANT_ID.pattern}$",
        description="Operators only: one tenant's deployments (default: every tenant's).",
    ),
]
StateFilter = Annotated[
    DeploymentState | None, Parameter(query="state", description="Only deployments in this state.")
]
Limit = Annotated[int, Parameter(ge=1, le=100, description="Page size.")]
AnyRequest = Request[Principal, str, State]


def saga_timeouts(runtime: ServiceRuntime) -> SagaTimeouts:
    settings = runtime.settings
    assert isinstance(settings, ApiSettings)
    return SagaTimeouts.of(
        settings.saga_timeout_s, settings.saga_step_timeout_s, settings.compensation_timeout_s
    )


def provider_admission(runtime: ServiceRuntime) -> ProviderAdmission | None:
    settings = runtime.settings
    assert isinstance(settings, ApiSettings)
    return ProviderAdmission.of(
        settings.provider_budget_per_minute,
        settings.provider_requests_per_saga,
        settings.provider_admission_wait_s,
    )


def live_quota(runtime: ServiceRuntime) -> int | None:
    settings = runtime.settings
    assert isinstance(settings, ApiSettings)
    return settings.max_live_deployments_per_tenant or None


class DeploymentController(Controller):
    path = "/deployments"
    tags = ["deployments"]

    @get("/", responses=problem_responses(400, 401, 403, 422))
    async def list_deployments(
        self,
        runtime: ServiceRuntime,
        principal: Principal,
        lifecycle_state: StateFilter = None,
        tenant_id: TenantFilter = None,
        limit: Limit = 50,
        cursor: CursorQuery = None,
    ) -> DeploymentPage:
        """Deployments the caller may see, newest first, optionally in one state."""
        async with runtime.pool.acquire() as conn:
            return await queries.list_deployments(
                conn,
                principal,
                tenant_id=tenant_id,
                state=lifecycle_state,
                limit=limit,
                cursor=cursor,
            )

    @post(
        "/",
        status_code=201,
        responses={
            202: ResponseSpec(ProvisioningStarted, description="Created; provisioning has started"),
            **problem_responses(400, 401, 409, 422, 429),
        },
    )
    async def create_deployment(
        self,
        runtime: ServiceRuntime,
        billing: BillingClient,
        principal: Principal,
        data: CreateDeployment,
        idempotent: IdempotentPost,
    ) -> Response[Deployment]:
        """Create a deployment: `active` (or `trial`), or `provisioning` with `provision: true`.
        The plan decides the droplet size: a `size` other than the plan's is a 422 listing the
        allowed ones; a tenant over its quota of live deployments gets a 409. A provisioning the
        cloud provider's request budget cannot serve in time is refused up front: 429
        `provider-budget` with `Retry-After` (the queue's wait), and nothing is created."""
        plan_size = await subscriptions.plan_size(billing, data) if data.provision else None
        admission = provider_admission(runtime)

        async def work(conn: Connection) -> Outcome:
            created = await commands.create_deployment(
                conn,
                runtime.outbox,
                principal,
                data,
                saga_timeouts(runtime),
                live_quota=live_quota(runtime),
                plan_size=plan_size,
            )
            if created.saga_id is not None:
                # Last, so the admission row is locked only until this commit; a 429 rolls the
                # create back (and is never stored under the Idempotency-Key: it is transient).
                if admission is not None:
                    await admission.admit(conn)
                started = ProvisioningStarted(
                    deployment=created.deployment, saga_id=created.saga_id
                )
                return outcome(202, started)
            return outcome(201, created.deployment)

        return await idempotent.run(data, work)

    @get("/{deployment_id:uuid}", responses=problem_responses(400, 401, 404))
    async def get_deployment(
        self,
        runtime: ServiceRuntime,
        principal: Principal,
        deployment_id: UUID,
    ) -> DeploymentDetail:
        """The deployment, its latest lifecycle events, its subscription (the gateway's read
        model of billing's, fed by billing's events) and its sagas; `events_href` pages through
        the whole history."""
        settings = runtime.settings
        assert isinstance(settings, ApiSettings)
        async with runtime.pool.acquire() as conn:
            return await queries.deployment_detail(
                conn, principal, deployment_id, events_limit=settings.detail_events_limit
            )

    @get("/{deployment_id:uuid}/events", responses=problem_responses(400, 401, 404, 422))
    async def list_events(
        self,
        runtime: ServiceRuntime,
        principal: Principal,
        deployment_id: UUID,
        limit: Limit = 50,
        cursor: CursorQuery = None,
    ) -> DeploymentEventPage:
        """The deployment's whole lifecycle history, oldest first, a page at a time."""
        async with runtime.pool.acquire() as conn:
            return await queries.deployment_events(
                conn, principal, deployment_id, limit=limit, cursor=cursor
            )

    @post(
        "/{deployment_id:uuid}/transition",
        status_code=200,
        responses={
            202: ResponseSpec(
                Deployment, description="Cancelling while provisioning: the saga is undoing"
            ),
            **problem_responses(400, 401, 403, 404, 409, 422),
        },
    )
    async def transition(
        self,
        runtime: ServiceRuntime,
        principal: Principal,
        deployment_id: UUID,
        data: TransitionRequest,
        idempotent: IdempotentPost,
    ) -> Response[Deployment]:
        """Move the deployment to another lifecycle state; 422 names the allowed ones, 403 says
        who may make a move that is not the caller's (see the authority table)."""

        async def work(conn: Connection) -> Outcome:
            moved = await commands.transition_deployment(
                conn, runtime.outbox, principal, deployment_id, data, saga_timeouts(runtime)
            )
            return outcome(202 if moved.accepted else 200, moved.deployment)

        return await idempotent.run(data, work)

    @post(
        "/{deployment_id:uuid}/billing-override",
        status_code=200,
        guards=[operator_only],
        responses=problem_responses(400, 401, 403, 404, 409, 422),
    )
    async def billing_override(
        self,
        runtime: ServiceRuntime,
        principal: Principal,
        deployment_id: UUID,
        data: BillingOverrideRequest,
        idempotent: IdempotentPost,
    ) -> Response[Deployment]:
        """Operators: stop (or allow again) billing from acting on this deployment."""
        return await idempotent.answer(
            200,
            data,
            lambda conn: commands.set_billing_override(
                conn, runtime.outbox, principal, deployment_id, data
            ),
        )
