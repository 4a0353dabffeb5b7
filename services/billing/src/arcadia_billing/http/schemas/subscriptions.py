"""Subscription response bodies: a subscription, a plan change, an attachment of add-ons."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from arcadia_billing.commands.subscriptions import Attachment, PlanChange
from arcadia_billing.domain.prices import AddonLine, Proration
from arcadia_billing.domain.subscriptions import Subscription
from arcadia_billing.http.schemas import Out
from arcadia_billing.http.schemas.catalog import PlanVersionOut


class AddonLineOut(Out, frozen=True, kw_only=True):
    line_id: UUID
    code: str
    unit_price_cents: int
    currency: str
    quantity: int
    monthly_cents: int
    attached_at: datetime

    @classmethod
    def of(cls, line: AddonLine) -> AddonLineOut:
        return cls(
            line_id=line.id,
            code=line.addon_code,
            unit_price_cents=line.unit_price.cents,
            currency=line.unit_price.currency,
            quantity=line.quantity,
            monthly_cents=line.monthly.cents,
            attached_at=line.attached_at,
        )


class SubscriptionOut(Out, frozen=True, kw_only=True):
    subscription_id: UUID
    tenant_id: str
    deployment_id: UUID
    status: str
    plan: PlanVersionOut
    addons: list[AddonLineOut]
    monthly_total_cents: int
    currency: str
    current_period_start: datetime | None
    current_period_end: datetime | None
    trial_ends_at: datetime | None
    saga_id: UUID | None
    created_at: datetime
    activated_at: datetime | None
    cancelled_at: datetime | None

    @classmethod
    def of(cls, s: Subscription) -> SubscriptionOut:
        return cls(
            subscription_id=s.id,
            tenant_id=s.tenant_id,
            deployment_id=s.deployment_id,
            status=s.status.value,
            plan=PlanVersionOut.of(s.plan),
            addons=[AddonLineOut.of(line) for line in s.addons],
            monthly_total_cents=s.monthly_total.cents,
            currency=s.currency,
            current_period_start=s.period.start if s.period else None,
            current_period_end=s.period.end if s.period else None,
            trial_ends_at=s.trial_ends_at,
            saga_id=s.saga_id,
            created_at=s.created_at,
            activated_at=s.activated_at,
            cancelled_at=s.cancelled_at,
        )


class ProrationOut(Out, frozen=True, kw_only=True):
    remaining_days: int
    month_days: int
    credit_cents: int
    charge_cents: int
    net_cents: int
    currency: str

    @classmethod
    def of(cls, p: Proration) -> ProrationOut:
        return cls(
            remaining_days=p.remaining_days,
            month_days=p.month_days,
            credit_cents=p.credit.cents,
            charge_cents=p.charge.cents,
            net_cents=p.net.cents,
            currency=p.credit.currency,
        )


class PlanChangeOut(Out, frozen=True, kw_only=True):
    changed: bool
    previous_plan: PlanVersionOut
    proration: ProrationOut
    subscription: SubscriptionOut

    @classmethod
    def of(cls, change: PlanChange) -> PlanChangeOut:
        return cls(
            changed=change.changed,
            previous_plan=PlanVersionOut.of(change.previous),
            proration=ProrationOut.of(change.proration),
            subscription=SubscriptionOut.of(change.subscription),
        )


class AttachmentOut(Out, frozen=True, kw_only=True):
    attached: list[AddonLineOut]
    charged_now_cents: int
    subscription: SubscriptionOut

    @classmethod
    def of(cls, a: Attachment) -> AttachmentOut:
        return cls(
            attached=[AddonLineOut.of(line) for line in a.lines],
            charged_now_cents=a.charged.cents,
            subscription=SubscriptionOut.of(a.subscription),
        )
