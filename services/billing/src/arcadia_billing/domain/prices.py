"""Catalog prices and what they add up to: versions, add-on prices and snapshots, charges."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

from arcadia_billing.domain.money import Money
from arcadia_billing.domain.period import Period


@dataclass(frozen=True, slots=True)
class PlanVersion:
    id: int
    plan_code: str
    version: int
    monthly_price: Money
    droplet_size: str
    trial_days: int
    effective_from: datetime
    retired_at: datetime | None = None

    def available_at(self, at: datetime) -> bool:
        return self.effective_from <= at and (self.retired_at is None or self.retired_at > at)

    @property
    def label(self) -> str:
        return f"{self.plan_code} v{self.version}"


@dataclass(frozen=True, slots=True)
class AddonPrice:
    id: int
    addon_code: str
    unit_price: Money
    effective_from: datetime


@dataclass(frozen=True, slots=True)
class AddonLine:
    """An add-on as attached: its unit price and quantity are a snapshot, never repriced."""

    id: UUID
    addon_code: str
    price_id: int
    unit_price: Money
    quantity: int
    attached_at: datetime

    @classmethod
    def snapshot(cls, price: AddonPrice, quantity: int, at: datetime) -> AddonLine:
        return cls(uuid4(), price.addon_code, price.id, price.unit_price, quantity, at)

    @property
    def monthly(self) -> Money:
        return self.unit_price.times(self.quantity)


@dataclass(frozen=True, slots=True)
class ChargeLine:
    key: str  # stable within a period: "plan" or "addon:<line id>"
    label: str
    amount: Money


@dataclass(frozen=True, slots=True)
class PeriodCharge:
    period: Period
    billable_days: int
    month_days: int
    lines: tuple[ChargeLine, ...]
    currency: str

    @property
    def total(self) -> Money:
        return sum((line.amount for line in self.lines), Money.zero(self.currency))


@dataclass(frozen=True, slots=True)
class Proration:
    """A mid-period change: the unused days of the old price back, the same days of the new."""

    remaining_days: int
    month_days: int
    credit: Money
    charge: Money

    @property
    def net(self) -> Money:
        return self.charge - self.credit

    @classmethod
    def none(cls, currency: str) -> Proration:
        return cls(0, 0, Money.zero(currency), Money.zero(currency))


@dataclass(frozen=True, slots=True)
class Plan:
    code: str
    name: str
    versions: list[PlanVersion]

    def current(self, at: datetime) -> PlanVersion | None:
        available = [v for v in self.versions if v.available_at(at)]
        return max(available, key=lambda v: v.version) if available else None


@dataclass(frozen=True, slots=True)
class Addon:
    code: str
    name: str
    unit: str
    prices: list[AddonPrice]  # newest first

    def current(self, at: datetime) -> AddonPrice | None:
        return next((p for p in self.prices if p.effective_from <= at), None)
