"""Subscriptions: their statuses, what a plan change prorates, what a closed period charges."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Final
from uuid import UUID, uuid4

from arcadia_billing.domain.errors import (
    CurrencyError,
    InvalidRequestError,
    InvalidTransitionError,
    PlanRetiredError,
    SubscriptionCancelledError,
)
from arcadia_billing.domain.money import Money, prorate
from arcadia_billing.domain.period import Period, trial_end, utc
from arcadia_billing.domain.prices import (
    AddonLine,
    AddonPrice,
    ChargeLine,
    PeriodCharge,
    PlanVersion,
    Proration,
)

DEFAULT_PLAN: Final = "studio"
EARLIEST: Final = datetime(2000, 1, 1, tzinfo=UTC)
LATEST: Final = datetime(3000, 1, 1, tzinfo=UTC)


def business_time(at: datetime, what: str) -> datetime:
    """`at` in UTC, if it is a time billing can act at (2000 to 3000); else InvalidRequestError."""
    try:
        moment = utc(at)
        if EARLIEST <= moment < LATEST:
            return moment
    except (OverflowError, ValueError) as exc:
        raise InvalidRequestError(f"{what} is not a usable time") from exc
    raise InvalidRequestError(f"{what} must be between {EARLIEST.year} and {LATEST.year}")


class Status(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    PAUSED = "paused"
    PAST_DUE = "past_due"
    CANCELLED = "cancelled"


ALLOWED: Final[dict[Status, frozenset[Status]]] = {
    Status.PENDING: frozenset({Status.ACTIVE, Status.CANCELLED}),
    Status.ACTIVE: frozenset({Status.PAUSED, Status.PAST_DUE, Status.CANCELLED}),
    Status.PAUSED: frozenset({Status.ACTIVE, Status.PAST_DUE, Status.CANCELLED}),
    Status.PAST_DUE: frozenset({Status.ACTIVE, Status.PAUSED, Status.CANCELLED}),
    Status.CANCELLED: frozenset(),
}
LIVE: Final = frozenset({Status.ACTIVE, Status.PAUSED, Status.PAST_DUE})

# The gateway's deployment states, as the subscription follows them; others leave it alone.
FOLLOWS_DEPLOYMENT: Final[dict[str, Status]] = {
    "active": Status.ACTIVE,
    "trial": Status.ACTIVE,
    "paused": Status.PAUSED,
    "suspended": Status.PAUSED,
    "past_due": Status.PAST_DUE,
    "cancelled": Status.CANCELLED,
    "archived": Status.CANCELLED,
}


@dataclass
class Subscription:
    id: UUID
    tenant_id: str
    deployment_id: UUID
    plan: PlanVersion
    status: Status
    created_at: datetime
    saga_id: UUID | None = None
    period: Period | None = None
    period_plan: PlanVersion | None = None
    trial_ends_at: datetime | None = None
    activated_at: datetime | None = None
    cancelled_at: datetime | None = None
    addons: list[AddonLine] = field(default_factory=list)

    @classmethod
    def reserve(
        cls,
        *,
        tenant_id: str,
        deployment_id: UUID,
        plan: PlanVersion,
        addons: Sequence[tuple[AddonPrice, int]],
        at: datetime,
        saga_id: UUID | None = None,
    ) -> Subscription:
        """A pending subscription: the plan and add-on prices are held, nothing is billed yet."""
        if not plan.available_at(at):
            raise PlanRetiredError(f"{plan.label} is not available")
        subscription = cls(uuid4(), tenant_id, deployment_id, plan, Status.PENDING, at, saga_id)
        subscription.attach(addons, at)
        return subscription

    @property
    def currency(self) -> str:
        return self.plan.monthly_price.currency

    @property
    def monthly_total(self) -> Money:
        """What a full month costs today: plan plus add-on lines (the subscription's MRR)."""
        return sum((line.monthly for line in self.addons), self.plan.monthly_price)

    def can_move_to(self, target: Status) -> bool:
        return target == self.status or target in ALLOWED[self.status]

    def move_to(self, target: Status, at: datetime) -> bool:
        """Apply a status change; False when already there. Activation starts the first period."""
        if target == self.status:
            return False
        if target not in ALLOWED[self.status]:
            raise InvalidTransitionError(f"{self.status} -> {target} is not allowed")
        if self.status is Status.PENDING and target is Status.ACTIVE:
            self.period = Period.starting_at(at)
            self.period_plan = self.plan
            self.trial_ends_at = trial_end(at, self.plan.trial_days)
            self.activated_at = at
        if target is Status.CANCELLED:
            self.cancelled_at = at
        self.status = target
        return True

    def remaining_days(self, at: datetime) -> tuple[int, int]:
        """(billable days left in the open period from `at`, days in its month); (0, 0) if none."""
        if self.status in (Status.PENDING, Status.CANCELLED) or self.period is None:
            return 0, 0
        return self.period.billable_days(at, self.trial_ends_at), self.period.month_days

    def change_plan(self, new: PlanVersion, at: datetime) -> Proration:
        """Bind to another version; an open period is prorated by day (see the README)."""
        if self.status is Status.CANCELLED:
            raise SubscriptionCancelledError(f"subscription {self.id} is cancelled")
        if not new.available_at(at):
            raise PlanRetiredError(f"{new.label} is not available")
        if new.monthly_price.currency != self.currency:
            raise CurrencyError(f"{new.label} is priced in {new.monthly_price.currency}")
        days, month_days = self.remaining_days(at)
        proration = Proration.none(self.currency)
        if days:
            proration = Proration(
                days,
                month_days,
                credit=prorate(self.plan.monthly_price, days, month_days),
                charge=prorate(new.monthly_price, days, month_days),
            )
        self.plan = new
        return proration

    def attach(self, prices: Sequence[tuple[AddonPrice, int]], at: datetime) -> list[AddonLine]:
        """Snapshot each add-on's current price and quantity onto the subscription."""
        if self.status is Status.CANCELLED:
            raise SubscriptionCancelledError(f"subscription {self.id} is cancelled")
        for price, _ in prices:
            if price.unit_price.currency != self.currency:
                raise CurrencyError(
                    f"add-on {price.addon_code} is priced in {price.unit_price.currency},"
                    f" the plan in {self.currency}"
                )
        lines = [AddonLine.snapshot(price, quantity, at) for price, quantity in prices]
        self.addons.extend(lines)
        return lines

    def period_charge(self) -> PeriodCharge:
        """The charge for the open period: its starting plan and the lines it started with."""
        if self.period is None or self.period_plan is None:
            raise InvalidTransitionError(f"subscription {self.id} has no open period")
        period = self.period
        days = period.billable_days(period.start, self.trial_ends_at)
        billed = [
            ChargeLine("plan", f"plan {self.period_plan.label}", self.period_plan.monthly_price)
        ]
        billed += [
            ChargeLine(
                f"addon:{line.id}", f"addon {line.addon_code} x{line.quantity}", line.monthly
            )
            for line in self.addons
            if line.attached_at <= period.start
        ]
        lines = tuple(
            ChargeLine(line.key, line.label, prorate(line.amount, days, period.month_days))
            for line in billed
        )
        return PeriodCharge(period, days, period.month_days, lines, self.currency)

    def advance_period(self) -> bool:
        """After a close: the next calendar month, unless cancelled (its last period is closed)."""
        if self.period is None or self.status is Status.CANCELLED:
            return False
        self.period = self.period.following()
        self.period_plan = self.plan
        return True
