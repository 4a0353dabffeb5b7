"""Subscribing a deployment, changing its plan, attaching add-ons, reading it back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID, uuid4

from arcadia_billing.adapters.catalog import CatalogRepository
from arcadia_billing.adapters.ledger import LedgerRepository
from arcadia_billing.adapters.projections import DeploymentProjection
from arcadia_billing.adapters.publisher import Publisher
from arcadia_billing.adapters.subscriptions import SubscriptionRepository
from arcadia_billing.clock import Clock
from arcadia_billing.commands import Transactions
from arcadia_billing.commands.operations import change_status, open_subscription
from arcadia_billing.domain.accounting import attach_entries, plan_change_entries
from arcadia_billing.domain.errors import DeploymentClosedError, SubscriptionNotFoundError
from arcadia_billing.domain.money import Money
from arcadia_billing.domain.prices import AddonLine, PlanVersion, Proration
from arcadia_billing.domain.subscriptions import Status, Subscription
from arcadia_platform.db import Connection
from arcadia_platform.logs import get_logger

log = get_logger(__name__)
CLOSED_STATES = frozenset({"cancelled", "archived"})


@dataclass(frozen=True, slots=True)
class PlanChange:
    subscription: Subscription
    previous: PlanVersion
    proration: Proration

    @property
    def changed(self) -> bool:
        return self.previous.id != self.subscription.plan.id


@dataclass(frozen=True, slots=True)
class Attachment:
    subscription: Subscription
    lines: list[AddonLine]
    charged: Money


async def _owned(conn: Connection, tenant_id: str, deployment_id: UUID) -> Subscription:
    """The deployment's subscription, locked; another tenant's is as missing as none."""
    found = await SubscriptionRepository(conn).by_deployment(deployment_id, lock=True)
    if found is None or found.tenant_id != tenant_id:
        raise SubscriptionNotFoundError(f"deployment {deployment_id} has no subscription")
    return found


class SubscriptionCommands:
    def __init__(self, transactions: Transactions, publisher: Publisher, clock: Clock) -> None:
        self._tx = transactions
        self._publisher = publisher
        self._clock = clock

    async def subscribe(
        self,
        *,
        tenant_id: str,
        deployment_id: UUID,
        plan_code: str,
        plan_version: int | None,
        addons: Sequence[tuple[str, int]],
        actor: str,
    ) -> Subscription:
        """Subscribed directly (not by the saga): active at once, its first period begins now."""
        at = self._clock()
        async with self._tx.begin() as conn:
            # The gateway asks without holding its deployment row: a cancel racing this request
            # is ordered here, under billing's own lock of the deployment's projection.
            state = await DeploymentProjection(conn).locked_state(deployment_id, tenant_id)
            if state in CLOSED_STATES:
                raise DeploymentClosedError(f"deployment {deployment_id} is {state}")
            subscription = await open_subscription(
                conn,
                tenant_id=tenant_id,
                deployment_id=deployment_id,
                plan_code=plan_code,
                plan_version=plan_version,
                addons=addons,
                at=at,
                actor=actor,
            )
            await change_status(conn, self._publisher, subscription, Status.ACTIVE, at)
        self._publisher.wake_relay()
        return subscription

    async def get(self, tenant_id: str, deployment_id: UUID) -> Subscription:
        async with self._tx.read() as conn:
            found = await SubscriptionRepository(conn).by_deployment(deployment_id)
        if found is None or found.tenant_id != tenant_id:
            raise SubscriptionNotFoundError(f"deployment {deployment_id} has no subscription")
        return found

    async def change_plan(
        self,
        *,
        tenant_id: str,
        deployment_id: UUID,
        plan_code: str,
        plan_version: int | None,
        actor: str,
    ) -> PlanChange:
        """Upgrade, downgrade or move to a newer version; asking for the current one is a no-op."""
        at = self._clock()
        async with self._tx.begin() as conn:
            subscription = await _owned(conn, tenant_id, deployment_id)
            target = await CatalogRepository(conn).resolve_plan(plan_code, at, plan_version)
            previous = subscription.plan
            if target.id == previous.id:
                return PlanChange(subscription, previous, Proration.none(subscription.currency))
            proration = subscription.change_plan(target, at)
            change_id = uuid4()
            repository = SubscriptionRepository(conn)
            await repository.save(subscription)
            await repository.add_plan_change(
                change_id, subscription, previous, proration, at, actor
            )
            await LedgerRepository(conn).append(
                plan_change_entries(subscription, change_id, previous.label, proration)
            )
            await self._publisher.announce(conn, subscription.id)
        self._publisher.wake_relay()
        log.info(
            "subscription.plan_changed",
            subscription_id=str(subscription.id),
            plan_from=previous.label,
            plan_to=target.label,
            net_cents=proration.net.cents,
            actor=actor,
        )
        return PlanChange(subscription, previous, proration)

    async def attach_addons(
        self,
        *,
        tenant_id: str,
        deployment_id: UUID,
        addons: Sequence[tuple[str, int]],
        actor: str,
    ) -> Attachment:
        """New lines at today's catalog prices; lines already attached keep theirs."""
        at = self._clock()
        async with self._tx.begin() as conn:
            subscription = await _owned(conn, tenant_id, deployment_id)
            prices = await CatalogRepository(conn).resolve_addons(addons, at)
            lines = subscription.attach(prices, at)
            await SubscriptionRepository(conn).add_lines(subscription, lines, actor)
            entries = attach_entries(subscription, lines, at)
            await LedgerRepository(conn).append(entries)
            await self._publisher.announce(conn, subscription.id)
        self._publisher.wake_relay()
        charged = sum((e.amount for e in entries), Money.zero(subscription.currency))
        log.info(
            "subscription.addons_attached",
            subscription_id=str(subscription.id),
            lines=len(lines),
            charged_cents=charged.cents,
            actor=actor,
        )
        return Attachment(subscription, lines, charged)
