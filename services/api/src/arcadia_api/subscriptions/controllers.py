"""/api/v1/deployments/{id}/subscribe, /plan, /addons: a deployment's subscription in billing."""

from __future__ import annotations

from typing import Final
from uuid import UUID

from litestar import Controller, Request, Response, post
from litestar.datastructures import State

from arcadia_api.billing.client import BillingClient
from arcadia_api.billing.requests import AttachAddonsRequest, ChangePlanRequest, SubscribeRequest
from arcadia_api.billing.schemas import Attachment, PlanChange, Subscription
from arcadia_api.config import ApiSettings
from arcadia_api.http.principal import Principal
from arcadia_api.http.problems import problem_responses
from arcadia_api.subscriptions import commands as subscriptions
from arcadia_platform.idempotency import IdempotentPost
from arcadia_platform.idempotency_remote import answer_remote
from arcadia_platform.runtime import ServiceRuntime

AnyRequest = Request[Principal, str, State]
# Billing's refusals come through with their status; billing out of reach is 502/503/504.
ANSWERS: Final = problem_responses(400, 401, 404, 409, 422, 502, 503, 504)


def lease(runtime: ServiceRuntime) -> float:
    """How long an Idempotency-Key stays in flight while billing is being asked: past the
    client's timeout and its retries, so a live call is never run twice."""
    settings = runtime.settings
    assert isinstance(settings, ApiSettings)
    return 3 * settings.upstream_timeout_s + 5


class SubscriptionController(Controller):
    path = "/deployments/{deployment_id:uuid}"
    tags = ["subscriptions"]

    @post("/subscribe", status_code=201, responses=ANSWERS)
    async def subscribe(
        self,
        runtime: ServiceRuntime,
        billing: BillingClient,
        principal: Principal,
        deployment_id: UUID,
        data: SubscribeRequest,
        idempotent: IdempotentPost,
    ) -> Response[Subscription]:
        """Subscribe the deployment: active at once, add-on unit prices snapshotted now."""
        return await answer_remote(
            idempotent,
            201,
            data,
            lambda conn: subscriptions.billable_deployment(conn, principal, deployment_id),
            lambda deployment: billing.subscribe(deployment, data, principal.sub),
            lease_s=lease(runtime),
        )

    @post("/plan", status_code=200, responses=ANSWERS)
    async def change_plan(
        self,
        runtime: ServiceRuntime,
        billing: BillingClient,
        principal: Principal,
        deployment_id: UUID,
        data: ChangePlanRequest,
        idempotent: IdempotentPost,
    ) -> Response[PlanChange]:
        """Move to another plan or version; the answer carries the proration posted now."""
        return await answer_remote(
            idempotent,
            200,
            data,
            lambda conn: subscriptions.billable_deployment(conn, principal, deployment_id),
            lambda deployment: billing.change_plan(deployment, data, principal.sub),
            lease_s=lease(runtime),
        )

    @post("/addons", status_code=200, responses=ANSWERS)
    async def attach_addons(
        self,
        runtime: ServiceRuntime,
        billing: BillingClient,
        principal: Principal,
        deployment_id: UUID,
        data: AttachAddonsRequest,
        idempotent: IdempotentPost,
    ) -> Response[Attachment]:
        """Attach add-ons at today's catalog price; each new line keeps that price."""
        return await answer_remote(
            idempotent,
            200,
            data,
            lambda conn: subscriptions.billable_deployment(conn, principal, deployment_id),
            lambda deployment: billing.attach_addons(deployment, data, principal.sub),
            lease_s=lease(runtime),
        )
