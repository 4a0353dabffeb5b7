"""Steps shared by event handlers and HTTP commands, run inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from arcadia_billing.adapters.catalog import CatalogRepository
from arcadia_billing.adapters.projections import TenantProjection
from arcadia_billing.adapters.publisher import Publisher
from arcadia_billing.adapters.schedule import ScheduleRepository
from arcadia_billing.adapters.subscriptions import SubscriptionRepository
from arcadia_billing.domain.errors import TenantInBadStandingError
from arcadia_billing.domain.subscriptions import Status, Subscription
from arcadia_contracts import Envelope, Event
from arcadia_contracts.events.billing import SubscriptionActivated, SubscriptionCancelled
from arcadia_platform.db import Connection
from arcadia_platform.logs import get_logger

log = get_logger(__name__)


async def open_subscription(
    conn: Connection,
    *,
    tenant_id: str,
    deployment_id: UUID,
    plan_code: str,
    plan_version: int | None,
    addons: Sequence[tuple[str, int]],
    at: datetime,
    actor: str,
    saga_id: UUID | None = None,
) -> Subscription:
    """A pending subscription with its add-on prices snapshotted; raises BillingError if refused."""
    if not await TenantProjection(conn).in_good_standing(tenant_id):
        raise TenantInBadStandingError(f"tenant {tenant_id!r} is not in good standing")
    catalog = CatalogRepository(conn)
    plan = await catalog.resolve_plan(plan_code, at, plan_version)
    prices = await catalog.resolve_addons(addons, at)
    subscription = Subscription.reserve(
        tenant_id=tenant_id,
        deployment_id=deployment_id,
        plan=plan,
        addons=prices,
        at=at,
        saga_id=saga_id,
    )
    await SubscriptionRepository(conn).add(subscription, actor)
    log.info(
        "subscription.reserved",
        subscription_id=str(subscription.id),
        deployment_id=str(deployment_id),
        plan=plan.label,
        addons=len(prices),
    )
    return subscription


async def change_status(
    conn: Connection,
    publisher: Publisher,
    subscription: Subscription,
    target: Status,
    at: datetime,
    *,
    caused_by: Envelope | None = None,
) -> bool:
    """Move the subscription if its rules allow it, and announce activation or cancellation."""
    if not subscription.can_move_to(target):
        log.info(
            "subscription.transition_ignored",
            subscription_id=str(subscription.id),
            status=subscription.status.value,
            target=target.value,
        )
        return False
    was = subscription.status
    if not subscription.move_to(target, at):
        return False
    await SubscriptionRepository(conn).save(subscription)
    if target is Status.ACTIVE:  # back in good order: any dunning is over
        await ScheduleRepository(conn).clear_dunning(subscription.id)
    log.info(
        "subscription.status_changed",
        subscription_id=str(subscription.id),
        status_from=was.value,
        status_to=target.value,
    )
    fact: Event | None = None
    if was is Status.PENDING and target is Status.ACTIVE:
        fact = SubscriptionActivated(subscription_id=str(subscription.id))
    elif target is Status.CANCELLED:
        fact = SubscriptionCancelled(subscription_id=str(subscription.id))
    if fact is not None:
        await publisher.publish(
            conn,
            fact,
            tenant_id=subscription.tenant_id,
            deployment_id=subscription.deployment_id,
            caused_by=caused_by,
        )
    return True
