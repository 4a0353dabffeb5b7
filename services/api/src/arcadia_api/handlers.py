"""Commands on deployments: one function each, run inside the caller's transaction."""

from __future__ import annotations

import uuid
from uuid import UUID

from arcadia_api.adapters.deployments import PostgresDeployments
from arcadia_api.domain import (
    Deployment,
    DeploymentNotFoundError,
    DeploymentState,
    SlugTakenError,
    check_slug,
    check_transition,
    initial_state,
)
from arcadia_api.principal import Principal
from arcadia_api.schemas import BillingOverrideRequest, CreateDeployment, TransitionRequest
from arcadia_contracts import envelope, topics
from arcadia_contracts.events.deployments import BillingOverrideChanged, DeploymentStateChanged
from arcadia_platform.db import Connection
from arcadia_platform.logs import get_logger
from arcadia_platform.outbox import Outbox

log = get_logger(__name__)
PRODUCER = "api"
CREATED = "created"


async def create_deployment(
    conn: Connection, outbox: Outbox, principal: Principal, request: CreateDeployment
) -> Deployment:
    state = initial_state(provision=request.provision, trial=request.trial)
    deployments = PostgresDeployments(conn)
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
    await _record_state(conn, outbox, deployment, None, principal.sub, CREATED)
    log.info(
        "deployment.created",
        deployment_id=str(deployment.id),
        tenant_id=deployment.tenant_id,
        state=str(state),
        actor=principal.sub,
    )
    if state is DeploymentState.PROVISIONING:
        await start_provisioning(conn, outbox, deployment, request)
    return deployment


async def start_provisioning(
    conn: Connection, outbox: Outbox, deployment: Deployment, request: CreateDeployment
) -> None:
    """Saga seam: the provisioning saga (issue 5) starts here, in the creating transaction.

    For now the deployment just stays `provisioning`; `request` carries what the saga needs
    (region, size, plan_code, addons) for DeploymentProvisioningRequested.
    """
    log.info(
        "deployment.provisioning_pending",
        deployment_id=str(deployment.id),
        region=request.region,
        size=request.size,
        plan_code=request.plan_code,
        addons=len(request.addons),
    )


async def transition_deployment(
    conn: Connection,
    outbox: Outbox,
    principal: Principal,
    deployment_id: UUID,
    request: TransitionRequest,
) -> Deployment:
    deployments = PostgresDeployments(conn)
    current = await _visible(deployments, principal, deployment_id)
    check_transition(current.state, request.to)
    moved = await deployments.set_state(deployment_id, request.to)
    await _record_state(conn, outbox, moved, current.state, principal.sub, request.reason)
    log.info(
        "deployment.transitioned",
        deployment_id=str(deployment_id),
        from_state=str(current.state),
        to_state=str(request.to),
        actor=principal.sub,
    )
    return moved


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


async def _record_state(
    conn: Connection,
    outbox: Outbox,
    deployment: Deployment,
    from_state: DeploymentState | None,
    actor: str,
    reason: str | None,
) -> None:
    """The event row and the DeploymentStateChanged, both in the caller's transaction."""
    event = envelope(
        DeploymentStateChanged(
            from_state=None if from_state is None else str(from_state),
            to_state=str(deployment.state),
            actor=actor,
            reason=reason,
            billing_action_suspended=deployment.billing_action_suspended,
        ),
        producer=PRODUCER,
        tenant_id=deployment.tenant_id,
        deployment_id=deployment.id,
    )
    await PostgresDeployments(conn).add_event(
        deployment.id,
        from_state=from_state,
        to_state=deployment.state,
        actor=actor,
        reason=reason,
        event_id=event.event_id,
    )
    await outbox.add(conn, topics.DEPLOYMENTS, event)
