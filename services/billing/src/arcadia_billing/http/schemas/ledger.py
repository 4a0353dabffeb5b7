"""Ledger response bodies: balances, entries, credits, margin rows, closed periods."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from arcadia_billing.adapters.ledger import Balance, RecordedEntry
from arcadia_billing.adapters.margin import MarginRow
from arcadia_billing.commands.ledger import ClosedPeriod
from arcadia_billing.http.schemas import Out


class BalanceOut(Out, frozen=True, kw_only=True):
    tenant_id: str
    currency: str
    balance_cents: int
    entries: int

    @classmethod
    def of(cls, b: Balance) -> BalanceOut:
        return cls(
            tenant_id=b.tenant_id,
            currency=b.balance.currency,
            balance_cents=b.balance.cents,
            entries=b.entries,
        )


class BalancesOut(Out, frozen=True, kw_only=True):
    balances: list[BalanceOut]


class LedgerEntryOut(Out, frozen=True, kw_only=True):
    id: int
    kind: str
    amount_cents: int
    currency: str
    description: str
    subscription_id: UUID | None
    deployment_id: UUID | None
    period_start: datetime | None
    period_end: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, r: RecordedEntry) -> LedgerEntryOut:
        e = r.entry
        return cls(
            id=r.id,
            kind=e.kind.value,
            amount_cents=e.amount.cents,
            currency=e.amount.currency,
            description=e.description,
            subscription_id=e.subscription_id,
            deployment_id=e.deployment_id,
            period_start=e.period_start,
            period_end=e.period_end,
            created_at=r.created_at,
        )


class LedgerOut(Out, frozen=True, kw_only=True):
    tenant_id: str
    entries: list[LedgerEntryOut]
    next_before_id: int | None


class CreditOut(Out, frozen=True, kw_only=True):
    created: bool
    balances: list[BalanceOut]


class MarginRowOut(Out, frozen=True, kw_only=True):
    deployment_id: UUID | None = None
    tenant_id: str | None = None
    plan_code: str | None = None
    currency: str
    revenue_cents: int
    cost_cents: int
    margin_cents: int
    billed_cents: int
    deployments: int

    @classmethod
    def of(cls, r: MarginRow) -> MarginRowOut:
        return cls(
            deployment_id=r.deployment_id,
            tenant_id=r.tenant_id,
            plan_code=r.plan_code,
            currency=r.currency,
            revenue_cents=r.revenue_cents,
            cost_cents=r.cost_cents,
            margin_cents=r.margin_cents,
            billed_cents=r.billed_cents,
            deployments=r.deployments,
        )


class MarginOut(Out, frozen=True, kw_only=True):
    by: str
    rows: list[MarginRowOut]


class ClosedPeriodOut(Out, frozen=True, kw_only=True):
    subscription_id: UUID
    tenant_id: str
    deployment_id: UUID
    period_start: datetime
    period_end: datetime
    billable_days: int
    month_days: int
    total_cents: int
    currency: str

    @classmethod
    def of(cls, c: ClosedPeriod) -> ClosedPeriodOut:
        return cls(
            subscription_id=c.subscription.id,
            tenant_id=c.subscription.tenant_id,
            deployment_id=c.subscription.deployment_id,
            period_start=c.charge.period.start,
            period_end=c.charge.period.end,
            billable_days=c.charge.billable_days,
            month_days=c.charge.month_days,
            total_cents=c.charge.total.cents,
            currency=c.charge.currency,
        )


class ClosePeriodsOut(Out, frozen=True, kw_only=True):
    as_of: datetime
    closed: list[ClosedPeriodOut]
