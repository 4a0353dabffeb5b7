"""The moves billing and the platform ask for: a trial's end, dunning, tenant suspension.

All are the system's (actor `system`, through the lifecycle table, recorded). A suspension the
system makes is a *hold* (`system_holds`) that remembers the state it replaced; the system lifts
only its own holds, never an operator's suspension, and the billing override keeps billing's
moves (dunning) and the tenant's suspension away from a deployment.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from arcadia_api.deployments.domain import DeploymentState
from arcadia_api.deployments.holds_repository import Holds
from arcadia_api.deployments.repository import PostgresDeployments
from arcadia_api.deployments.transitions import system_transition
from arcadia_platform.db import Connection
from arcadia_platform.logs import get_logger
from arcadia_platform.outbox import Outbox

log = get_logger(__name__)
S = DeploymentState
DUNNING, TENANT = "dunning", "tenant"


async def end_trial(conn: Connection, outbox: Outbox, deployment_id: UUID) -> None:
    """A `trial` deployment becomes `active`; any other state is left as it is."""
    current = await PostgresDeployments(conn).get(deployment_id, for_update=True)
    if current is None or current.state is not S.TRIAL:
        return
    await system_transition(conn, outbox, deployment_id, S.ACTIVE, "trial ended")


async def dunning_suspend(conn: Connection, outbox: Outbox, deployment_id: UUID, why: str) -> None:
    """Past due through the grace period: suspended, unless overridden or no longer past due."""
    current = await PostgresDeployments(conn).get(deployment_id, for_update=True)
    if current is None or current.billing_action_suspended or current.state is not S.PAST_DUE:
        log.info("dunning.suspension_skipped", deployment_id=str(deployment_id))
        return
    await Holds(conn).take(deployment_id, DUNNING, S.PAST_DUE)
    await system_transition(
        conn, outbox, deployment_id, S.SUSPENDED, f"dunning: {why}", respect_billing_override=True
    )


async def dunning_reactivate(
    conn: Connection, outbox: Outbox, deployment_id: UUID, why: str
) -> None:
    """Paid: `past_due` -> `active`; a dunning suspension lifted (to `active`), unless the tenant
    is suspended too: then its reinstatement will restore `active`."""
    current = await PostgresDeployments(conn).get(deployment_id, for_update=True)
    if current is None or current.billing_action_suspended:
        return
    holds = Holds(conn)
    released = await holds.release(deployment_id, DUNNING)
    target = None
    if current.state is S.PAST_DUE:
        target = S.ACTIVE
    elif current.state is S.SUSPENDED and released is not None:
        if await holds.held(deployment_id, TENANT):
            await holds.give_back(deployment_id, TENANT, S.ACTIVE)
        else:
            target = S.ACTIVE
    if target is not None:
        await system_transition(
            conn, outbox, deployment_id, target, why, respect_billing_override=True
        )


async def suspend_tenant(
    conn: Connection, outbox: Outbox, tenant_id: str, why: str, at: datetime
) -> int:
    """Every live deployment of the tenant suspended (its state kept), except overridden ones."""
    holds = Holds(conn)
    if not await holds.record_tenant(tenant_id, True, at):
        return 0  # a later reinstatement is already known
    deployments = PostgresDeployments(conn)
    moved = 0
    for deployment_id in await holds.holdable_of_tenant(tenant_id):
        current = await deployments.get(deployment_id, for_update=True)
        if current is None or current.billing_action_suspended:
            continue
        if not await holds.take(deployment_id, TENANT, current.state):
            continue  # held already: the same suspension heard again
        if current.state is not S.SUSPENDED:
            await system_transition(
                conn, outbox, deployment_id, S.SUSPENDED, f"tenant suspended: {why}"
            )
            moved += 1
    return moved


async def reinstate_tenant(
    conn: Connection, outbox: Outbox, tenant_id: str, why: str, at: datetime
) -> int:
    """Each deployment the suspension held goes back to the state it was in."""
    holds = Holds(conn)
    if not await holds.record_tenant(tenant_id, False, at):
        return 0
    deployments = PostgresDeployments(conn)
    moved = 0
    for deployment_id in await holds.held_of_tenant(tenant_id, TENANT):
        current = await deployments.get(deployment_id, for_update=True)
        previous = await holds.release(deployment_id, TENANT)
        if current is None or previous is None or current.state is not S.SUSPENDED:
            continue  # an operator moved it meanwhile: theirs to keep
        if previous is not S.SUSPENDED:
            await system_transition(
                conn, outbox, deployment_id, previous, f"tenant reinstated: {why}"
            )
            moved += 1
    return moved
