"""State changes the platform makes itself, and the record every state change leaves."""

from __future__ import annotations

from uuid import UUID

from arcadia_api.deployments.domain import (
    Authority,
    Deployment,
    DeploymentState,
    InvalidTransitionError,
    TransitionForbiddenError,
    check_authority,
    check_transition,
)
from arcadia_api.deployments.repository import PostgresDeployments
from arcadia_api.identity import PRODUCER
from arcadia_contracts import envelope, topics
from arcadia_contracts.events.deployments import DeploymentStateChanged
from arcadia_platform.db import Connection
from arcadia_platform.logs import get_logger
from arcadia_platform.outbox import Outbox

log = get_logger(__name__)
SYSTEM_ACTOR = "system"


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
    await record_state(conn, outbox, moved, current.state, SYSTEM_ACTOR, reason, saga_id=saga_id)
    return moved


async def record_state(
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
