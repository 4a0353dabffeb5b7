"""Billing's answers as the gateway reads and re-serves them (money: integer cents + currency)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID

import msgspec


class MarginBy(StrEnum):
    DEPLOYMENT = "deployment"
    TENANT = "tenant"
    PLAN = "plan"


class PlanVersion(msgspec.Struct, frozen=True, kw_only=True):
    """An immutable price of a plan; a price change is a new version."""

    plan_code: str
    version: int
    monthly_price_cents: int
    currency: str
    droplet_size: str
    trial_days: int
    effective_from: datetime
    retired_at: datetime | None


class Plan(msgspec.Struct, frozen=True, kw_only=True):
    """A plan, the version on sale now (null: none) and every version."""

    code: str
    name: str
    current_version: PlanVersion | None
    versions: list[PlanVersion]


class AddonPrice(msgspec.Struct, frozen=True, kw_only=True):
    price_cents: int
    currency: str
    effective_from: datetime


class Addon(msgspec.Struct, frozen=True, kw_only=True):
    """An add-on, its price now (for new attachments) and its price history."""

    code: str
    name: str
    unit: str
    current_price: AddonPrice | None
    prices: list[AddonPrice]


class Catalog(msgspec.Struct, frozen=True, kw_only=True):
    plans: list[Plan]
    addons: list[Addon]


class AddonLine(msgspec.Struct, frozen=True, kw_only=True):
    """An add-on attached to a subscription, its unit price snapshotted at attach time."""

    line_id: UUID
    code: str
    unit_price_cents: int
    currency: str
    quantity: int
    monthly_cents: int
    attached_at: datetime


class Subscription(msgspec.Struct, frozen=True, kw_only=True):
    """A deployment's subscription: one plan version and its snapshotted add-on lines."""

    subscription_id: UUID
    tenant_id: str
    deployment_id: UUID
    status: str
    plan: PlanVersion
    addons: list[AddonLine]
    monthly_total_cents: int
    currency: str
    current_period_start: datetime | None
    current_period_end: datetime | None
    trial_ends_at: datetime | None
    saga_id: UUID | None
    created_at: datetime
    activated_at: datetime | None
    cancelled_at: datetime | None


class Proration(msgspec.Struct, frozen=True, kw_only=True):
    """Credit of the old price and charge of the new one for the period's remaining days."""

    remaining_days: int
    month_days: int
    credit_cents: int
    charge_cents: int
    net_cents: int
    currency: str


class PlanChange(msgspec.Struct, frozen=True, kw_only=True):
    """`changed: false`: the subscription already had that version; nothing was posted."""

    changed: bool
    previous_plan: PlanVersion
    proration: Proration
    subscription: Subscription


class Attachment(msgspec.Struct, frozen=True, kw_only=True):
    """The new lines, and what was charged now for the rest of the open period."""

    attached: list[AddonLine]
    charged_now_cents: int
    subscription: Subscription


class Balance(msgspec.Struct, frozen=True, kw_only=True):
    """The sum of a tenant's ledger in one currency: positive owes, negative is in credit."""

    tenant_id: str
    currency: str
    balance_cents: int
    entries: int


class Balances(msgspec.Struct, frozen=True, kw_only=True):
    balances: list[Balance]


class MarginRow(msgspec.Struct, frozen=True, kw_only=True):
    """Monthly run-rate: revenue (subscriptions) against cost (inventory resources)."""

    deployment_id: UUID | None = None
    tenant_id: str | None = None
    plan_code: str | None = None
    currency: str
    revenue_cents: int
    cost_cents: int
    margin_cents: int
    billed_cents: int
    deployments: int


class Margin(msgspec.Struct, frozen=True, kw_only=True):
    by: MarginBy
    rows: list[MarginRow]
