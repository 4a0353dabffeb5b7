"""Commands on deployments: one function each, run inside the caller's transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from uuid import UUID

import msgspec

from arcadia_api.deployments.domain import (
    DEFAULT_PLAN,
    Authority,
    Deployment,
    DeploymentNotFoundError,
    DeploymentState,
    QuotaExceededError,
    SlugTakenError,
    check_authority,
    check_slug,
    check_transition,
    decide_size,
    initial_state,
)
from arcadia_api.deployments.repository import PostgresDeployments
from arcadia_api.deployments.schemas import (
    BillingOverrideRequest,
    CreateDeployment,
    TransitionRequest,
)
from arcadia_api.deployments.transitions import record_state
from arcadia_api.http.principal import Principal
from arcadia_api.identity import PRODUCER
from arcadia_api.saga.abort import cancel_provisioning
from arcadia_api.saga.model import SagaTimeouts
from arcadia_api.saga.start import start_provisioning, start_teardown
from arcadia_contracts import envelope, topics
from arcadia_contracts.events.deployments import BillingOverrideChanged
from arcadia_platform.db import Connection
from arcadia_platform.logs import get_logger
from arcadia_platform.outbox import Outbox

log = get_logger(__name__)
CREATED = "created"


@dataclass(frozen=True)
class Created:
    deployment: Deployment
    saga_id: UUID | None = None


async def create_deployment(
    conn: Connection,
    outbox: Outbox,
    principal: Principal,
    request: CreateDeployment,
    timeouts: SagaTimeouts | None = None,
    *,
    live_quota: int | None = None,
    plan_size: str | None = None,
) -> Created:
    """Create a deployment; provisioning takes the droplet size from the plan (`plan_size`, the
    plan version's size as billing's catalog gave it before the transaction began)."""
    state = initial_state(provision=request.provision, trial=request.trial)
    if request.provision:
        plan = request.plan_code or DEFAULT_PLAN
        size = decide_size(request.size, plan_size, plan)
        request = msgspec.structs.replace(request, size=size)
    deployments = PostgresDeployments(conn)
    if live_quota is not None and await deployments.count_live(principal.tenant_id) >= live_quota:
        raise QuotaExceededError(live_quota)
    deployment = await deployments.add(
        deployment_id=uuid.uuid4(),
        tenant_id=principal.tenant_id,
        slug=check_slug(request.slug),
        display_name=request.display_name or request.slug,
        region=request.region,
        state=state,
        llm_mode=request.llm_mode,
        template_code=request.template_code,
        template_version=request.template_version,
    )
    if deployment is None:
        raise SlugTakenError(request.slug)
    await record_state(conn, outbox, deployment, None, principal.sub, CREATED)
    log.info(
        "deployment.created",
        deployment_id=str(deployment.id),
        tenant_id=deployment.tenant_id,
        state=str(state),
        actor=principal.sub,
    )
    if state is DeploymentState.PROVISIONING:
        saga_id = await start_provisioning(
            conn, outbox, deployment, request, timeouts or SagaTimeouts()
        )
        return Created(deployment, saga_id)
    return Created(deployment)


async def transition_deployment(
    conn: Connection,
    outbox: Outbox,
    principal: Principal,
    deployment_id: UUID,
    request: TransitionRequest,
    timeouts: SagaTimeouts | None = None,
) -> Moved:
    deployments = PostgresDeployments(conn)
    current = await _visible(deployments, principal, deployment_id)
    check_transition(current.state, request.to)
    by = Authority.OPERATOR if principal.is_operator else Authority.TENANT
    check_authority(current.state, request.to, by)
    cancelling = request.to is DeploymentState.CANCELLED
    if (
        cancelling
        and current.state is DeploymentState.PROVISIONING
        and await cancel_provisioning(
            conn, outbox, current, principal, request.reason, timeouts or SagaTimeouts()
        )
    ):
        return Moved(current, accepted=True)
    moved = await deployments.set_state(deployment_id, request.to)
    await record_state(conn, outbox, moved, current.state, principal.sub, request.reason)
    if request.to in (DeploymentState.CANCELLED, DeploymentState.ARCHIVED):
        await start_teardown(conn, outbox, moved, timeouts or SagaTimeouts())
    log.info(
        "deployment.transitioned",
        deployment_id=str(deployment_id),
        from_state=str(current.state),
        to_state=str(request.to),
        actor=principal.sub,
    )
    return Moved(moved)


@dataclass(frozen=True)
class Moved:
    """The deployment after a transition; `accepted`: the move is under way (202), not done."""

    deployment: Deployment
    accepted: bool = False


async def set_billing_override(
    conn: Connection,
    outbox: Outbox,
    principal: Principal,
    deployment_id: UUID,
    request: BillingOverrideRequest,
) -> Deployment:
    """An operator stops (or lets again) billing act on the deployment, e.g. on failed payments."""
    deployments = PostgresDeployments(conn)
    current = await _visible(deployments, principal, deployment_id)
    if current.billing_action_suspended == request.billing_action_suspended:
        return current
    changed = await deployments.set_billing_action_suspended(
        deployment_id, request.billing_action_suspended
    )
    event = BillingOverrideChanged(
        billing_action_suspended=changed.billing_action_suspended, actor=principal.sub
    )
    await outbox.add(
        conn,
        topics.DEPLOYMENTS,
        envelope(event, producer=PRODUCER, tenant_id=changed.tenant_id, deployment_id=changed.id),
    )
    log.info(
        "deployment.billing_override_changed",
        deployment_id=str(deployment_id),
        billing_action_suspended=changed.billing_action_suspended,
        actor=principal.sub,
        reason=request.reason,
    )
    return changed


async def _visible(
    deployments: PostgresDeployments, principal: Principal, deployment_id: UUID
) -> Deployment:
    """The deployment, locked for this transaction; another tenant's is as good as missing."""
    found = await deployments.get(deployment_id, for_update=True)
    if found is None or not principal.can_see(found.tenant_id):
        raise DeploymentNotFoundError(deployment_id)
    return found
