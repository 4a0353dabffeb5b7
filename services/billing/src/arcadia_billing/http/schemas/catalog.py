"""Catalog response bodies: plans with their versions, add-ons with their prices."""

from __future__ import annotations

from datetime import datetime

from arcadia_billing.domain.prices import Addon, AddonPrice, Plan, PlanVersion
from arcadia_billing.http.schemas import Out


class PlanVersionOut(Out, frozen=True, kw_only=True):
    plan_code: str
    version: int
    monthly_price_cents: int
    currency: str
    droplet_size: str
    trial_days: int
    effective_from: datetime
    retired_at: datetime | None

    @classmethod
    def of(cls, v: PlanVersion) -> PlanVersionOut:
        return cls(
            plan_code=v.plan_code,
            version=v.version,
            monthly_price_cents=v.monthly_price.cents,
            currency=v.monthly_price.currency,
            droplet_size=v.droplet_size,
            trial_days=v.trial_days,
            effective_from=v.effective_from,
            retired_at=v.retired_at,
        )


class PlanOut(Out, frozen=True, kw_only=True):
    code: str
    name: str
    current_version: PlanVersionOut | None
    versions: list[PlanVersionOut]

    @classmethod
    def of(cls, plan: Plan, at: datetime) -> PlanOut:
        current = plan.current(at)
        return cls(
            code=plan.code,
            name=plan.name,
            current_version=PlanVersionOut.of(current) if current else None,
            versions=[PlanVersionOut.of(v) for v in plan.versions],
        )


class AddonPriceOut(Out, frozen=True, kw_only=True):
    price_cents: int
    currency: str
    effective_from: datetime

    @classmethod
    def of(cls, price: AddonPrice) -> AddonPriceOut:
        return cls(
            price_cents=price.unit_price.cents,
            currency=price.unit_price.currency,
            effective_from=price.effective_from,
        )


class AddonOut(Out, frozen=True, kw_only=True):
    code: str
    name: str
    unit: str
    current_price: AddonPriceOut | None
    prices: list[AddonPriceOut]

    @classmethod
    def of(cls, addon: Addon, at: datetime) -> AddonOut:
        current = addon.current(at)
        return cls(
            code=addon.code,
            name=addon.name,
            unit=addon.unit,
            current_price=AddonPriceOut.of(current) if current else None,
            prices=[AddonPriceOut.of(p) for p in addon.prices],
        )


class CatalogOut(Out, frozen=True, kw_only=True):
    plans: list[PlanOut]
    addons: list[AddonOut]


class AddonsOut(Out, frozen=True, kw_only=True):
    addons: list[AddonOut]
