"""Commands on deployments: one function each, run inside the caller's transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

import msgspec

from arcadia_api.deployments.domain import (
    Authority,
    Deployment,
    DeploymentNotFoundError,
    DeploymentState,
    InvalidTransitionError,
    QuotaExceededError,
    SlugTakenError,
    TransitionForbiddenError,
    check_authority,
    check_slug,
    check_transition,
    initial_state,
)
from arcadia_api.deployments.repository import PostgresDeployments
from arcadia_api.deployments.schemas import (
    BillingOverrideRequest,
    CreateDeployment,
    TransitionRequest,
)
from arcadia_api.http.principal import Principal
from arcadia_api.identity import PRODUCER
from arcadia_api.saga import repository as sagas
from arcadia_api.saga.abort import abort_and_announce
from arcadia_api.saga.model import Saga, SagaKind, SagaStatus, SagaTimeouts
from arcadia_contracts import envelope, topics
from arcadia_contracts.events.deployments import AddonRequest as ContractAddon
from arcadia_contracts.events.deployments import (
    BillingOverrideChanged,
    DeploymentProvisioningRequested,
    DeploymentStateChanged,
    DeploymentTeardownRequested,
)
from arcadia_platform.db import Connection
from arcadia_platform.logs import get_logger
from arcadia_platform.outbox import Outbox

log = get_logger(__name__)
CREATED = "created"
SYSTEM_ACTOR = "system"


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
) -> Created:
    state = initial_state(provision=request.provision, trial=request.trial)
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
    await _record_state(conn, outbox, deployment, None, principal.sub, CREATED)
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


async def start_provisioning(
    conn: Connection,
    outbox: Outbox,
    deployment: Deployment,
    request: CreateDeployment,
    timeouts: SagaTimeouts,
) -> UUID:
    """Saga step 1, in the creating transaction: the saga record and the request to everyone."""
    now = datetime.now(UTC)
    saga = Saga.provision(
        uuid.uuid4(),
        deployment.id,
        deployment.tenant_id,
        now,
        saga_timeout=timeouts.saga,
        step_timeout=timeouts.step,
    )
    asked = DeploymentProvisioningRequested(
        slug=deployment.slug,
        region=request.region,
        size=request.size,
        plan_code=request.plan_code,
        addons=tuple(ContractAddon(code=a.code, quantity=a.quantity) for a in request.addons),
    )
    await sagas.save(conn, saga, request=msgspec.to_builtins(asked))
    await outbox.add(
        conn,
        topics.DEPLOYMENTS,
        envelope(
            asked,
            producer=PRODUCER,
            tenant_id=deployment.tenant_id,
            deployment_id=deployment.id,
            saga_id=saga.id,
        ),
    )
    log.info("saga.started", saga_id=str(saga.id), deployment_id=str(deployment.id))
    return saga.id


async def system_transition(
    conn: Connection,
    outbox: Outbox,
    deployment_id: UUID,
    to: DeploymentState,
    reason: str,
    *,
    saga_id: UUID | None = None,
    respect_billing_override: bool = False,
) -> Deployment | None:
    """A transition the platform makes itself (actor `system`); None when the table forbids it
    from the current state, which for an event arriving late is not an error."""
    deployments = PostgresDeployments(conn)
    current = await deployments.get(deployment_id, for_update=True)
    if current is None:
        log.warning("deployment.unknown", deployment_id=str(deployment_id), to_state=str(to))
        return None
    if current.state is to:
        return current
    if respect_billing_override and current.billing_action_suspended:
        log.info("deployment.billing_override_kept_state", deployment_id=str(deployment_id))
        return None
    try:
        check_transition(current.state, to)
        check_authority(current.state, to, Authority.SYSTEM)
    except (InvalidTransitionError, TransitionForbiddenError):
        log.warning(
            "deployment.system_transition_refused",
            deployment_id=str(deployment_id),
            from_state=str(current.state),
            to_state=str(to),
        )
        return None
    moved = await deployments.set_state(deployment_id, to)
    await _record_state(conn, outbox, moved, current.state, SYSTEM_ACTOR, reason, saga_id=saga_id)
    return moved


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
        and await _abort_provisioning(
            conn, outbox, current, principal, request.reason, timeouts or SagaTimeouts()
        )
    ):
        return Moved(current, accepted=True)
    moved = await deployments.set_state(deployment_id, request.to)
    await _record_state(conn, outbox, moved, current.state, principal.sub, request.reason)
    if request.to in (DeploymentState.CANCELLED, DeploymentState.ARCHIVED):
        await _start_teardown(conn, outbox, moved, timeouts or SagaTimeouts())
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


async def _abort_provisioning(
    conn: Connection,
    outbox: Outbox,
    deployment: Deployment,
    principal: Principal,
    reason: str | None,
    timeouts: SagaTimeouts,
) -> bool:
    """A user cancel while provisioning aborts the saga; it ends `cancelled` once undone."""
    saga = await sagas.latest(conn, deployment.id, SagaKind.PROVISION, for_update=True)
    if saga is None or saga.status not in (SagaStatus.RUNNING, SagaStatus.COMPENSATING):
        return False
    if saga.status is SagaStatus.RUNNING:
        why = f"cancelled by {principal.sub}" + (f": {reason}" if reason else "")
        await abort_and_announce(
            conn, outbox, saga, saga.current_step, why, datetime.now(UTC), timeouts.compensation
        )
        log.info("saga.cancelled_by_user", saga_id=str(saga.id), actor=principal.sub)
    return True


async def _start_teardown(
    conn: Connection, outbox: Outbox, deployment: Deployment, timeouts: SagaTimeouts
) -> None:
    """A provisioned deployment that is cancelled or archived gives back what it holds, once."""
    provisioned = await sagas.latest(conn, deployment.id, SagaKind.PROVISION)
    if provisioned is None or provisioned.status is not SagaStatus.COMPLETED:
        return
    if await sagas.latest(conn, deployment.id, SagaKind.TEARDOWN) is not None:
        return
    saga = Saga.teardown(
        uuid.uuid4(),
        deployment.id,
        deployment.tenant_id,
        datetime.now(UTC),
        saga_timeout=timeouts.saga,
        step_timeout=timeouts.step,
    )
    await sagas.save(conn, saga)
    await outbox.add(
        conn,
        topics.DEPLOYMENTS,
        envelope(
            DeploymentTeardownRequested(to_state=str(deployment.state)),
            producer=PRODUCER,
            tenant_id=deployment.tenant_id,
            deployment_id=deployment.id,
            saga_id=saga.id,
        ),
    )
    log.info("saga.teardown_started", saga_id=str(saga.id), deployment_id=str(deployment.id))


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
    *,
    saga_id: UUID | None = None,
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
        saga_id=saga_id,
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
