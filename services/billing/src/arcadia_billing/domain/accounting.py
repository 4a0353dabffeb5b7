"""Ledger entries: what each billing fact adds to a tenant's account, with its idempotency key."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from arcadia_billing.domain.money import Money, prorate
from arcadia_billing.domain.prices import AddonLine, PeriodCharge, Proration
from arcadia_billing.domain.subscriptions import Subscription


class EntryKind(StrEnum):
    CHARGE = "charge"  # a closed period's plan or add-on line (positive)
    PRORATION = "proration"  # a mid-period change: either sign
    CREDIT = "credit"  # granted by an operator (negative)
    PAYMENT = "payment"  # money received (negative)


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """Positive amounts are owed by the tenant; negative ones are owed to it."""

    tenant_id: str
    kind: EntryKind
    amount: Money
    description: str
    idempotency_key: str
    subscription_id: UUID | None = None
    deployment_id: UUID | None = None
    period_start: datetime | None = None
    period_end: datetime | None = None


def _for(
    subscription: Subscription, kind: EntryKind, amount: Money, description: str, key: str
) -> LedgerEntry:
    period = subscription.period
    return LedgerEntry(
        tenant_id=subscription.tenant_id,
        kind=kind,
        amount=amount,
        description=description,
        idempotency_key=key,
        subscription_id=subscription.id,
        deployment_id=subscription.deployment_id,
        period_start=period.start if period else None,
        period_end=period.end if period else None,
    )


def period_entries(subscription: Subscription, charge: PeriodCharge) -> list[LedgerEntry]:
    """One charge per billed line of a closed period (zero lines, e.g. in a trial, are skipped)."""
    days = f"{charge.billable_days}/{charge.month_days} days"
    start = charge.period.start.isoformat()
    return [
        _for(
            subscription,
            EntryKind.CHARGE,
            line.amount,
            f"{line.label}, {days}",
            f"period:{subscription.id}:{start}:{line.key}",
        )
        for line in charge.lines
        if line.amount.cents
    ]


def plan_change_entries(
    subscription: Subscription, change_id: UUID, old_label: str, proration: Proration
) -> list[LedgerEntry]:
    """The unused days of the old version credited, the same days of the new one charged."""
    days = f"{proration.remaining_days}/{proration.month_days} days"
    entries = []
    if proration.credit.cents:
        entries.append(
            _for(
                subscription,
                EntryKind.PRORATION,
                -proration.credit,
                f"unused {old_label}, {days}",
                f"plan_change:{change_id}:credit",
            )
        )
    if proration.charge.cents:
        entries.append(
            _for(
                subscription,
                EntryKind.PRORATION,
                proration.charge,
                f"remaining {subscription.plan.label}, {days}",
                f"plan_change:{change_id}:charge",
            )
        )
    return entries


def attach_entries(
    subscription: Subscription, lines: Sequence[AddonLine], at: datetime
) -> list[LedgerEntry]:
    """Add-on lines attached inside an open period pay its remaining days at once."""
    days, month_days = subscription.remaining_days(at)
    if not days:
        return []
    entries = []
    for line in lines:
        amount = prorate(line.monthly, days, month_days)
        if amount.cents:
            entries.append(
                _for(
                    subscription,
                    EntryKind.PRORATION,
                    amount,
                    f"addon {line.addon_code} x{line.quantity}, {days}/{month_days} days",
                    f"attach:{line.id}",
                )
            )
    return entries


def payment_entry(
    tenant_id: str, payment_id: str, amount: Money, deployment_id: UUID | None
) -> LedgerEntry:
    return LedgerEntry(
        tenant_id=tenant_id,
        kind=EntryKind.PAYMENT,
        amount=-amount,
        description=f"payment {payment_id}",
        idempotency_key=f"payment:{payment_id}",
        deployment_id=deployment_id,
    )


def credit_entry(tenant_id: str, amount: Money, reason: str, key: str) -> LedgerEntry:
    return LedgerEntry(
        tenant_id=tenant_id,
        kind=EntryKind.CREDIT,
        amount=-amount,
        description=reason,
        idempotency_key=f"credit:{tenant_id}:{key}",
    )
