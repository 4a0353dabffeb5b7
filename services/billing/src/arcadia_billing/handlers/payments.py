"""Inbound payments: a success credits the ledger, a failure makes subscriptions past due.

Each payment event is checked before anything of it is recorded: a payment recorded first and
refused after would make the real payment with the same id look like a re-sent one.
"""

from __future__ import annotations

import re
from typing import Final
from uuid import UUID

from arcadia_billing.adapters.catalog import CatalogRepository
from arcadia_billing.adapters.ledger import LedgerRepository
from arcadia_billing.adapters.payments import PaymentLog
from arcadia_billing.adapters.projections import DeploymentProjection
from arcadia_billing.adapters.publisher import Publisher
from arcadia_billing.adapters.subscriptions import SubscriptionRepository
from arcadia_billing.domain.accounting import payment_entry
from arcadia_billing.domain.money import Money
from arcadia_billing.domain.subscriptions import LIVE, Status, Subscription
from arcadia_contracts import Envelope
from arcadia_contracts.events.billing import SubscriptionPastDue
from arcadia_contracts.events.platform import PaymentFailed, PaymentSucceeded
from arcadia_platform.consumer import InvalidEventError
from arcadia_platform.db import Connection
from arcadia_platform.logs import get_logger

log = get_logger(__name__)
# Tenant ids as the identity app mints them (the gateway accepts the same, see its tokens.py).
TENANT_ID: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}")
CURRENCY: Final = re.compile(r"[A-Z]{3}")
MAX_PAYMENT_ID: Final = 200


def payment_problem(tenant_id: str, payment_id: str, amount: Money) -> str | None:
    """What makes a payment event unusable, if anything (pure rules; currency shape only)."""
    if TENANT_ID.fullmatch(tenant_id) is None:
        return f"tenant id {tenant_id[:80]!r} is not well-formed"
    if not payment_id or len(payment_id) > MAX_PAYMENT_ID or "\x00" in payment_id:
        return f"payment id {payment_id[:80]!r} is empty, too long or not text"
    if amount.cents <= 0:
        return f"amount {amount.cents} cents is not positive"
    if CURRENCY.fullmatch(amount.currency) is None:
        return f"currency {amount.currency[:20]!r} is not an ISO 4217 code"
    return None


async def check_payment(conn: Connection, event: Envelope, payment_id: str, amount: Money) -> None:
    """Raise InvalidEventError (the event is dead-lettered, nothing recorded) for a bad payment."""
    problem = payment_problem(event.tenant_id, payment_id, amount)
    if problem is None and amount.currency not in await CatalogRepository(conn).currencies():
        problem = f"currency {amount.currency!r} is not one billing prices in"
    if problem is not None:
        log.warning("payment.invalid", payment_id=payment_id[:80], problem=problem)
        raise InvalidEventError(problem)


class PaymentReactions:
    def __init__(self, publisher: Publisher) -> None:
        self._publisher = publisher

    async def credit_payment(self, conn: Connection, event: Envelope) -> None:
        paid = event.payload
        assert isinstance(paid, PaymentSucceeded)
        amount = Money(paid.amount_cents, paid.currency)
        await check_payment(conn, event, paid.payment_id, amount)
        fresh = await PaymentLog(conn).record(
            paid.payment_id,
            "succeeded",
            event.tenant_id,
            event.deployment_id,
            amount,
            None,
            event.occurred_at,
        )
        if not fresh:
            return  # the same payment, announced again: credited once
        await LedgerRepository(conn).append(
            [payment_entry(event.tenant_id, paid.payment_id, amount, event.deployment_id)]
        )
        log.info("payment.credited", payment_id=paid.payment_id, tenant_id=event.tenant_id)

    async def _targets(self, conn: Connection, event: Envelope) -> list[Subscription]:
        """The named deployment's subscription, or else every live one of the tenant."""
        repository = SubscriptionRepository(conn)
        if event.deployment_id is not None:
            found = await repository.by_deployment(event.deployment_id, lock=True)
            ok = found is not None and found.tenant_id == event.tenant_id
            return [found] if ok and found is not None and found.status in LIVE else []
        return await repository.live_of_tenant(event.tenant_id, lock=True)

    async def mark_past_due(self, conn: Connection, event: Envelope) -> None:
        failed = event.payload
        assert isinstance(failed, PaymentFailed)
        amount = Money(failed.amount_cents, failed.currency)
        await check_payment(conn, event, failed.payment_id, amount)
        payments = PaymentLog(conn)
        fresh = await payments.record(
            failed.payment_id,
            "failed",
            event.tenant_id,
            event.deployment_id,
            amount,
            failed.reason,
            event.occurred_at,
        )
        if not fresh:
            return  # the same failure, announced again
        deployments = DeploymentProjection(conn)
        repository = SubscriptionRepository(conn)
        past_due: list[UUID] = []
        suppressed: list[UUID] = []
        for subscription in await self._targets(conn, event):
            if await deployments.billing_action_suspended(subscription.deployment_id):
                suppressed.append(subscription.id)  # an operator said: do not act on billing
                continue
            if not subscription.move_to(Status.PAST_DUE, event.occurred_at):
                continue  # already past due: the gateway has been told
            await repository.save(subscription)
            past_due.append(subscription.id)
            await self._publisher.publish(
                conn,
                SubscriptionPastDue(subscription_id=str(subscription.id), reason=failed.reason),
                tenant_id=subscription.tenant_id,
                deployment_id=subscription.deployment_id,
                caused_by=event,
            )
        await payments.record_actions(failed.payment_id, past_due, suppressed)
        log.info(
            "payment.failed",
            payment_id=failed.payment_id,
            past_due=[str(s) for s in past_due],
            suppressed=[str(s) for s in suppressed],
        )
