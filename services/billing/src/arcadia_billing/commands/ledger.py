"""Closing billing periods, operator credits, and reading balances, entries and margin."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from arcadia_billing.adapters.invoices import InvoiceRepository
from arcadia_billing.adapters.ledger import Balance, LedgerRepository, RecordedEntry
from arcadia_billing.adapters.margin import MarginBy, MarginQuery, MarginRow
from arcadia_billing.adapters.publisher import Publisher
from arcadia_billing.adapters.subscriptions import SubscriptionRepository
from arcadia_billing.clock import Clock
from arcadia_billing.commands import Transactions
from arcadia_billing.domain.accounting import credit_entry, period_entries
from arcadia_billing.domain.errors import InvalidRequestError
from arcadia_billing.domain.money import Money
from arcadia_billing.domain.prices import PeriodCharge
from arcadia_billing.domain.subscriptions import Subscription, business_time
from arcadia_platform.db import Connection
from arcadia_platform.faults import NO_FAULTS, CrashPoints
from arcadia_platform.logs import get_logger

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class ClosedPeriod:
    subscription: Subscription
    charge: PeriodCharge


class LedgerCommands:
    def __init__(
        self,
        transactions: Transactions,
        clock: Clock,
        crash_points: CrashPoints = NO_FAULTS,
        publisher: Publisher | None = None,
    ) -> None:
        self._tx = transactions
        self._clock = clock
        self._crash = crash_points  # failure tests: die inside a close, or between two
        # A close moves the subscription to its next period: the gateway's read model hears it.
        self._publisher = publisher

    async def close_periods(self, as_of: datetime, actor: str) -> list[ClosedPeriod]:
        """Charge every period that ended by `as_of`. A closed period is never charged again,
        so running this twice, or twice at once, charges once."""
        as_of = business_time(as_of, "as_of")
        if as_of > self._clock():
            raise InvalidRequestError("as_of is in the future: only ended periods can be closed")
        async with self._tx.read() as conn:
            due = await SubscriptionRepository(conn).due_for_close(as_of)
        closed: list[ClosedPeriod] = []
        for subscription_id in due:  # one short transaction per subscription
            async with self._tx.begin() as conn:
                repository = SubscriptionRepository(conn)
                subscription = await repository.by_id(subscription_id, lock=True)
                if subscription is not None:
                    now_closed = await self._close(conn, subscription, as_of)
                    closed += now_closed
                    await repository.save(subscription)
                    if now_closed and self._publisher is not None:
                        await self._publisher.announce(conn, subscription.id)
                    self._crash.hit("close.before_commit")
            self._crash.hit("close.after_commit")
        if closed and self._publisher is not None:
            self._publisher.wake_relay()
        log.info("periods.closed", as_of=as_of.isoformat(), closed=len(closed), actor=actor)
        return closed

    @staticmethod
    async def _close(
        conn: Connection, subscription: Subscription, as_of: datetime
    ) -> list[ClosedPeriod]:
        """Close the open period, then each following one that also ended (catching up)."""
        ledger = LedgerRepository(conn)
        invoices = InvoiceRepository(conn)
        closed = []
        if subscription.period is not None and subscription.period.end <= as_of:
            await invoices.lock_tenant(subscription.tenant_id)
        while subscription.period is not None and subscription.period.end <= as_of:
            charge = subscription.period_charge()
            if not await ledger.mark_closed(subscription.id, charge):
                break  # another close got here first
            await ledger.append(period_entries(subscription, charge))
            # The period's charges and the prorations posted in it go on the month's invoice.
            await invoices.invoice_period(
                subscription.tenant_id, subscription.id, charge.period, charge.currency, as_of
            )
            closed.append(ClosedPeriod(subscription, charge))
            if not subscription.advance_period():
                break  # cancelled: that was its last period
        if closed:
            await invoices.settle(subscription.tenant_id, subscription.currency, as_of)
        return closed

    async def grant_credit(
        self, tenant_id: str, amount: Money, reason: str, key: str, actor: str
    ) -> bool:
        """An operator's credit; the same `key` again is the same credit (False: not new)."""
        async with self._tx.begin() as conn:
            added = await LedgerRepository(conn).append(
                [credit_entry(tenant_id, amount, f"{reason} (by {actor})", key)]
            )
        log.info("ledger.credit", tenant_id=tenant_id, cents=amount.cents, new=bool(added))
        return bool(added)

    async def balances(self, tenant_id: str | None = None) -> list[Balance]:
        async with self._tx.read() as conn:
            return await LedgerRepository(conn).balances(tenant_id)

    async def entries(
        self, tenant_id: str, limit: int, before_id: int | None
    ) -> list[RecordedEntry]:
        async with self._tx.read() as conn:
            return await LedgerRepository(conn).entries(tenant_id, limit=limit, before_id=before_id)

    async def margin(self, by: MarginBy, tenant_id: str | None) -> list[MarginRow]:
        async with self._tx.read() as conn:
            return await MarginQuery(conn).rows(by, tenant_id)
