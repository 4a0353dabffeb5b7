"""Subscriptions through billing: the gateway checks tenancy and the deployment's state first."""

from __future__ import annotations

from typing import Final
from uuid import UUID

from arcadia_api.billing.client import BillingClient
from arcadia_api.deployments.domain import (
    DEFAULT_PLAN,
    Deployment,
    DeploymentNotFoundError,
    DeploymentState,
)
from arcadia_api.deployments.repository import PostgresDeployments
from arcadia_api.deployments.schemas import CreateDeployment
from arcadia_api.http.principal import Principal
from arcadia_api.http.upstream import UpstreamFailedError, UpstreamRefusedError
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
    """The caller's deployment, if its billing may still change; another tenant's: 404.

    Read without a lock, in a short transaction of its own: the call to billing that follows
    holds no row lock and no pooled connection (arcadia_platform.idempotency_remote), so ten slow
    plan changes cannot fill the pool that consumers, relays and timers share. A lifecycle change
    racing the call is ordered by billing itself: it refuses to change a cancelled subscription,
    and to subscribe a deployment it knows to be closed."""
    found = await PostgresDeployments(conn).get(deployment_id)
    if found is None or not principal.can_see(found.tenant_id):
        raise DeploymentNotFoundError(deployment_id)
    if found.state in CLOSED:
        raise DeploymentClosedError(found.state)
    return found


async def plan_size(billing: BillingClient, request: CreateDeployment) -> str | None:
    """The droplet size of the requested plan, asked before any transaction begins; None when
    billing cannot say (unknown plan, or billing out of reach: the reservation decides then)."""
    try:
        return await billing.plan_size(request.plan_code or DEFAULT_PLAN)
    except (UpstreamFailedError, UpstreamRefusedError) as exc:
        log.warning("deployment.plan_size_unavailable", status=exc.status)
        return None
