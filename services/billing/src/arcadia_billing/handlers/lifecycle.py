"""The subscription follows its deployment: activation, pause, resume, cancellation, overrides."""

from __future__ import annotations

from arcadia_billing.adapters.projections import DeploymentProjection
from arcadia_billing.adapters.publisher import Publisher
from arcadia_billing.adapters.subscriptions import SubscriptionRepository
from arcadia_billing.commands.operations import change_status
from arcadia_billing.domain.subscriptions import FOLLOWS_DEPLOYMENT, Status, Subscription
from arcadia_contracts import Envelope
from arcadia_contracts.events.deployments import (
    BillingOverrideChanged,
    DeploymentActivated,
    DeploymentStateChanged,
    DeploymentTeardownRequested,
)
from arcadia_platform.db import Connection
from arcadia_platform.logs import get_logger

log = get_logger(__name__)


class LifecycleReactions:
    def __init__(self, publisher: Publisher) -> None:
        self._publisher = publisher

    async def _subscription(self, conn: Connection, event: Envelope) -> Subscription | None:
        """The deployment's subscription, locked; None if billing has none for that tenant."""
        if event.deployment_id is None:
            return None
        found = await SubscriptionRepository(conn).by_deployment(event.deployment_id, lock=True)
        if found is None or found.tenant_id != event.tenant_id:
            log.info("subscription.none_for_event", type=event.type, event_id=str(event.event_id))
            return None
        return found

    async def _follow(self, conn: Connection, event: Envelope, target: Status) -> None:
        subscription = await self._subscription(conn, event)
        if subscription is not None:
            await change_status(
                conn, self._publisher, subscription, target, event.occurred_at, caused_by=event
            )

    async def activate_subscription(self, conn: Connection, event: Envelope) -> None:
        """Saga step 8 happened: the pending subscription starts its first period."""
        assert isinstance(event.payload, DeploymentActivated)
        subscription = await self._subscription(conn, event)
        if subscription is not None and subscription.status is Status.PENDING:
            await change_status(
                conn,
                self._publisher,
                subscription,
                Status.ACTIVE,
                event.occurred_at,
                caused_by=event,
            )

    async def follow_deployment_state(self, conn: Connection, event: Envelope) -> None:
        changed = event.payload
        assert isinstance(changed, DeploymentStateChanged)
        if event.deployment_id is None:
            return
        if not await project_deployment_state(conn, event):
            log.info("deployment.stale_state", event_id=str(event.event_id), state=changed.to_state)
            return
        target = FOLLOWS_DEPLOYMENT.get(changed.to_state)
        if target is not None:
            await self._follow(conn, event, target)

    async def cancel_on_teardown(self, conn: Connection, event: Envelope) -> None:
        """The reverse saga: the deployment is going away, so is its subscription."""
        assert isinstance(event.payload, DeploymentTeardownRequested)
        await self._follow(conn, event, Status.CANCELLED)

    async def record_billing_override(self, conn: Connection, event: Envelope) -> None:
        override = event.payload
        assert isinstance(override, BillingOverrideChanged)
        if event.deployment_id is None:
            return
        await project_billing_override(conn, event)
        log.info(
            "deployment.billing_override",
            deployment_id=str(event.deployment_id),
            suspended=override.billing_action_suspended,
            actor=override.actor,
        )


# Billing's view of deployments (the `deployments` table) is written only by these two, from the
# live handlers above and from `arcadia rebuild deployments` (handlers/projections.py).
async def project_deployment_state(conn: Connection, event: Envelope) -> bool:
    """False when a newer state is already known (a stale fact, sent again)."""
    changed = event.payload
    assert isinstance(changed, DeploymentStateChanged)
    if event.deployment_id is None:
        return False
    return await DeploymentProjection(conn).record_state(
        event.deployment_id,
        event.tenant_id,
        changed.to_state,
        changed.billing_action_suspended,
        event.occurred_at,
    )


async def project_billing_override(conn: Connection, event: Envelope) -> None:
    override = event.payload
    assert isinstance(override, BillingOverrideChanged)
    if event.deployment_id is None:
        return
    await DeploymentProjection(conn).record_override(
        event.deployment_id,
        event.tenant_id,
        override.billing_action_suspended,
        event.occurred_at,
    )
