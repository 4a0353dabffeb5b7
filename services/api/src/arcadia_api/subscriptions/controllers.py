"""/api/v1/deployments/{id}/subscribe, /plan, /addons: a deployment's subscription in billing."""

from __future__ import annotations

from typing import Final
from uuid import UUID

from litestar import Controller, Request, Response, post
from litestar.datastructures import State

from arcadia_api.billing.client import BillingClient
from arcadia_api.billing.requests import AttachAddonsRequest, ChangePlanRequest, SubscribeRequest
from arcadia_api.billing.schemas import Attachment, PlanChange, Subscription
from arcadia_api.http.idempotency import Idempotency, IdempotencyKey, Outcome, outcome, respond
from arcadia_api.http.principal import Principal
from arcadia_api.http.problems import problem_responses
from arcadia_api.subscriptions import commands as subscriptions
from arcadia_platform.db import Connection

AnyRequest = Request[Principal, str, State]
# Billing's refusals come through with their status; billing out of reach is 502/503/504.
ANSWERS: Final = problem_responses(400, 401, 404, 409, 422, 502, 503, 504)


class SubscriptionController(Controller):
    path = "/deployments/{deployment_id:uuid}"
    tags = ["subscriptions"]

    @post("/subscribe", status_code=201, responses=ANSWERS)
    async def subscribe(
        self,
        request: AnyRequest,
        idempotency: Idempotency,
        billing: BillingClient,
        principal: Principal,
        deployment_id: UUID,
        data: SubscribeRequest,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[Subscription]:
        """Subscribe the deployment: active at once, add-on unit prices snapshotted now."""

        async def work(conn: Connection) -> Outcome:
            found = await subscriptions.subscribe(conn, billing, principal, deployment_id, data)
            return outcome(201, found)

        return await respond(request, idempotency, principal, idempotency_key, data, work)

    @post("/plan", status_code=200, responses=ANSWERS)
    async def change_plan(
        self,
        request: AnyRequest,
        idempotency: Idempotency,
        billing: BillingClient,
        principal: Principal,
        deployment_id: UUID,
        data: ChangePlanRequest,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[PlanChange]:
        """Move to another plan or version; the answer carries the proration posted now."""

        async def work(conn: Connection) -> Outcome:
            change = await subscriptions.change_plan(conn, billing, principal, deployment_id, data)
            return outcome(200, change)

        return await respond(request, idempotency, principal, idempotency_key, data, work)

    @post("/addons", status_code=200, responses=ANSWERS)
    async def attach_addons(
        self,
        request: AnyRequest,
        idempotency: Idempotency,
        billing: BillingClient,
        principal: Principal,
        deployment_id: UUID,
        data: AttachAddonsRequest,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[Attachment]:
        """Attach add-ons at today's catalog price; each new line keeps that price."""

        async def work(conn: Connection) -> Outcome:
            attached = await subscriptions.attach_addons(
                conn, billing, principal, deployment_id, data
            )
            return outcome(200, attached)

        return await respond(request, idempotency, principal, idempotency_key, data, work)
