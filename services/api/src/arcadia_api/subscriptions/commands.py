"""Subscriptions through billing: the gateway checks tenancy and the deployment's state first."""

from __future__ import annotations

from typing import Final
from uuid import UUID

from arcadia_api.billing.client import BillingClient
from arcadia_api.billing.requests import AttachAddonsRequest, ChangePlanRequest, SubscribeRequest
from arcadia_api.billing.schemas import Attachment, PlanChange, Subscription
from arcadia_api.deployments.domain import Deployment, DeploymentNotFoundError, DeploymentState
from arcadia_api.deployments.repository import PostgresDeployments
from arcadia_api.http.principal import Principal
from arcadia_platform.db import Connection
from arcadia_platform.logs import get_logger
from arcadia_platform.problems import ProblemError

log = get_logger(__name__)
CLOSED: Final = frozenset({DeploymentState.CANCELLED, DeploymentState.ARCHIVED})


class DeploymentClosedError(ProblemError):
    def __init__(self, state: DeploymentState) -> None:
        super().__init__(
            409,
            f"The deployment is {state}: its billing can no longer change",
            slug="deployment-closed",
            current_state=str(state),
        )


async def billable_deployment(
    conn: Connection, principal: Principal, deployment_id: UUID
) -> Deployment:
    """The caller's deployment, locked until billing has answered: a lifecycle change waits, so
    billing hears of it after the subscription change it raced with. Another tenant's: 404."""
    found = await PostgresDeployments(conn).get(deployment_id, for_update=True)
    if found is None or not principal.can_see(found.tenant_id):
        raise DeploymentNotFoundError(deployment_id)
    if found.state in CLOSED:
        raise DeploymentClosedError(found.state)
    return found


async def subscribe(
    conn: Connection,
    billing: BillingClient,
    principal: Principal,
    deployment_id: UUID,
    request: SubscribeRequest,
) -> Subscription:
    deployment = await billable_deployment(conn, principal, deployment_id)
    return await billing.subscribe(deployment, request, principal.sub)


async def change_plan(
    conn: Connection,
    billing: BillingClient,
    principal: Principal,
    deployment_id: UUID,
    request: ChangePlanRequest,
) -> PlanChange:
    deployment = await billable_deployment(conn, principal, deployment_id)
    return await billing.change_plan(deployment, request, principal.sub)


async def attach_addons(
    conn: Connection,
    billing: BillingClient,
    principal: Principal,
    deployment_id: UUID,
    request: AttachAddonsRequest,
) -> Attachment:
    deployment = await billable_deployment(conn, principal, deployment_id)
    return await billing.attach_addons(deployment, request, principal.sub)
