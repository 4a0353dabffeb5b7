"""Subscriptions: statuses, snapshots, proration and period charges (pure, no I/O)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from arcadia_billing.domain.accounting import attach_entries, period_entries, plan_change_entries
from arcadia_billing.domain.errors import (
    CurrencyError,
    InvalidTransitionError,
    PlanRetiredError,
    SubscriptionCancelledError,
)
from arcadia_billing.domain.money import Money
from arcadia_billing.domain.period import Period
from arcadia_billing.domain.prices import AddonPrice, PlanVersion
from arcadia_billing.domain.subscriptions import FOLLOWS_DEPLOYMENT, Status, Subscription

EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


def version(
    code: str, cents: int, *, n: int = 1, trial_days: int = 0, currency: str = "USD"
) -> PlanVersion:
    return PlanVersion(
        id=hash((code, n)) % 10_000,
        plan_code=code,
        version=n,
        monthly_price=Money(cents, currency),
        droplet_size="s-1vcpu-1gb",
        trial_days=trial_days,
        effective_from=EPOCH,
    )


STUDIO = version("studio", 2900)
PRO = version("studio_pro", 5900)
STORAGE = AddonPrice(1, "storage_50gb", Money(750, "USD"), EPOCH)


def subscription(
    plan: PlanVersion = STUDIO, addons: list[tuple[AddonPrice, int]] | None = None
) -> Subscription:
    return Subscription.reserve(
        tenant_id="tenant-a",
        deployment_id=uuid.uuid4(),
        plan=plan,
        addons=addons or [],
        at=at("2025-02-20"),
    )


def active(
    since: str, plan: PlanVersion = STUDIO, **kw: list[tuple[AddonPrice, int]]
) -> Subscription:
    s = subscription(plan, kw.get("addons"))
    s.move_to(Status.ACTIVE, at(since))
    return s


# --- statuses ---------------------------------------------------------------------------------


def test_a_reserved_subscription_is_pending_with_no_period() -> None:
    s = subscription()
    assert s.status is Status.PENDING
    assert s.period is None


def test_activation_starts_the_first_period_at_activation_until_the_month_ends() -> None:
    s = subscription(version("studio", 2900, trial_days=14))

    assert s.move_to(Status.ACTIVE, at("2025-03-16T10:00:00"))

    assert s.period == Period(at("2025-03-16T10:00:00"), at("2025-04-01"))
    assert s.period_plan == s.plan
    assert s.trial_ends_at == at("2025-03-30")


@pytest.mark.parametrize(
    ("start", "target", "allowed"),
    [
        (Status.PENDING, Status.ACTIVE, True),
        (Status.PENDING, Status.CANCELLED, True),
        (Status.PENDING, Status.PAUSED, False),
        (Status.PENDING, Status.PAST_DUE, False),
        (Status.ACTIVE, Status.PAUSED, True),
        (Status.ACTIVE, Status.PAST_DUE, True),
        (Status.PAUSED, Status.ACTIVE, True),
        (Status.PAST_DUE, Status.ACTIVE, True),
        (Status.CANCELLED, Status.ACTIVE, False),
        (Status.CANCELLED, Status.PAUSED, False),
    ],
)
def test_status_transitions_follow_one_table(start: Status, target: Status, allowed: bool) -> None:
    s = subscription()
    s.status = start
    assert s.can_move_to(target) is allowed
    if not allowed:
        with pytest.raises(InvalidTransitionError):
            s.move_to(target, at("2025-03-02"))


def test_moving_to_the_current_status_changes_nothing() -> None:
    s = active("2025-03-01")
    assert s.move_to(Status.ACTIVE, at("2025-03-05")) is False
    assert s.activated_at == at("2025-03-01")


def test_the_subscription_follows_the_gateways_deployment_states() -> None:
    assert FOLLOWS_DEPLOYMENT["paused"] is Status.PAUSED
    assert FOLLOWS_DEPLOYMENT["suspended"] is Status.PAUSED
    assert FOLLOWS_DEPLOYMENT["past_due"] is Status.PAST_DUE
    assert FOLLOWS_DEPLOYMENT["cancelled"] is Status.CANCELLED
    assert FOLLOWS_DEPLOYMENT["archived"] is Status.CANCELLED
    assert FOLLOWS_DEPLOYMENT["active"] is Status.ACTIVE
    assert "provisioning" not in FOLLOWS_DEPLOYMENT


def test_a_retired_version_cannot_be_reserved() -> None:
    with pytest.raises(PlanRetiredError):
        subscription(replace(STUDIO, retired_at=at("2025-01-01")))


# --- add-on snapshots -------------------------------------------------------------------------


def test_an_add_on_line_keeps_the_price_it_was_attached_at() -> None:
    s = active("2025-03-01", addons=[(STORAGE, 50)])
    dearer = AddonPrice(2, "storage_50gb", Money(900, "USD"), at("2025-03-10"))

    (new_line,) = s.attach([(dearer, 2)], at("2025-03-10"))

    first = s.addons[0]
    assert (first.unit_price.cents, first.quantity, first.monthly.cents) == (750, 50, 37500)
    assert (new_line.unit_price.cents, new_line.monthly.cents) == (900, 1800)
    assert s.monthly_total == Money(2900 + 37500 + 1800, "USD")


def test_add_ons_in_another_currency_than_the_plan_are_refused() -> None:
    euro = AddonPrice(3, "storage_50gb", Money(700, "EUR"), EPOCH)
    with pytest.raises(CurrencyError):
        subscription(addons=[(euro, 1)])


def test_an_add_on_attached_mid_period_pays_its_remaining_days_at_once() -> None:
    s = active("2025-03-01")
    lines = s.attach([(STORAGE, 2)], at("2025-03-16T08:00:00"))

    (entry,) = attach_entries(s, lines, at("2025-03-16T08:00:00"))

    assert entry.amount == Money(774, "USD")  # 1500 * 16 / 31 = 774.19
    assert entry.idempotency_key == f"attach:{lines[0].id}"


def test_add_ons_attached_before_activation_pay_nothing_until_the_period_closes() -> None:
    s = subscription()
    lines = s.attach([(STORAGE, 1)], at("2025-02-21"))
    assert attach_entries(s, lines, at("2025-02-21")) == []


# --- proration --------------------------------------------------------------------------------


def test_an_upgrade_credits_the_unused_days_of_the_old_price_and_charges_the_new() -> None:
    s = active("2025-03-01")

    proration = s.change_plan(PRO, at("2025-03-16T10:00:00"))

    assert (proration.remaining_days, proration.month_days) == (16, 31)
    assert proration.credit == Money(1497, "USD")  # 2900 * 16/31
    assert proration.charge == Money(3045, "USD")  # 5900 * 16/31
    assert proration.net == Money(1548, "USD")
    assert s.plan == PRO
    assert s.period_plan == STUDIO  # the period's close still bills what it started with


def test_a_downgrade_nets_to_a_credit() -> None:
    s = active("2025-03-01", plan=PRO)
    proration = s.change_plan(STUDIO, at("2025-03-31T23:00:00"))  # the last day
    assert proration.remaining_days == 1
    assert proration.net == Money(94 - 190, "USD")  # 2900/31 = 93.5 -> 94; 5900/31 = 190.3


def test_a_pending_subscription_changes_plan_without_proration() -> None:
    s = subscription()
    proration = s.change_plan(PRO, at("2025-02-21"))
    assert proration.net.cents == 0
    assert s.plan == PRO


def test_no_days_of_a_trial_are_prorated() -> None:
    s = active("2025-03-01", plan=version("studio", 2900, trial_days=20))  # free until the 21st
    proration = s.change_plan(PRO, at("2025-03-10"))
    assert proration.remaining_days == 11  # 21..31
    assert proration.credit == Money(1029, "USD")  # 2900 * 11/31 = 1029.03


def test_plan_changes_are_refused_once_cancelled_or_across_currencies() -> None:
    s = active("2025-03-01")
    with pytest.raises(CurrencyError):
        s.change_plan(version("euro", 2500, currency="EUR"), at("2025-03-02"))
    s.move_to(Status.CANCELLED, at("2025-03-03"))
    with pytest.raises(SubscriptionCancelledError):
        s.change_plan(PRO, at("2025-03-04"))


def test_proration_entries_credit_and_charge_with_their_own_keys() -> None:
    s = active("2025-03-01")
    proration = s.change_plan(PRO, at("2025-03-16"))
    change = uuid.uuid4()

    credit, charge = plan_change_entries(s, change, STUDIO.label, proration)

    assert (credit.amount.cents, charge.amount.cents) == (-1497, 3045)
    assert {credit.idempotency_key, charge.idempotency_key} == {
        f"plan_change:{change}:credit",
        f"plan_change:{change}:charge",
    }


# --- closing periods --------------------------------------------------------------------------


def test_a_full_month_charges_the_plan_and_each_add_on_line_in_full() -> None:
    s = active("2025-03-01", addons=[(STORAGE, 50)])

    charge = s.period_charge()

    assert [line.amount.cents for line in charge.lines] == [2900, 37500]
    assert charge.total == Money(40400, "USD")
    assert (charge.billable_days, charge.month_days) == (31, 31)


def test_a_first_period_from_mid_month_charges_its_days_only() -> None:
    s = active("2025-03-16T10:00:00", addons=[(STORAGE, 1)])
    charge = s.period_charge()
    assert [line.amount.cents for line in charge.lines] == [1497, 387]  # 16/31 of 2900 and 750


def test_a_period_wholly_in_the_trial_charges_nothing() -> None:
    s = active("2025-03-01", plan=version("studio", 2900, trial_days=40))
    charge = s.period_charge()
    assert charge.total.cents == 0
    assert period_entries(s, charge) == []  # no zero rows in the ledger


def test_a_period_with_an_upgrade_totals_each_plan_for_its_own_days() -> None:
    s = active("2025-03-01")
    proration = s.change_plan(PRO, at("2025-03-16"))

    billed = s.period_charge().total + proration.net

    # 15 days of Studio and 16 of Pro, within a cent of rounding.
    exact = (2900 * 15 + 5900 * 16) / 31
    assert abs(billed.cents - exact) <= 1


def test_lines_attached_during_a_period_are_billed_in_full_from_the_next_one() -> None:
    s = active("2025-03-01")
    s.attach([(STORAGE, 1)], at("2025-03-20"))
    assert s.period_charge().total.cents == 2900  # the add-on paid its March days when attached

    assert s.advance_period()

    assert s.period == Period(at("2025-04-01"), at("2025-05-01"))
    assert s.period_charge().total.cents == 2900 + 750


def test_after_a_plan_change_the_next_period_bills_the_new_plan() -> None:
    s = active("2025-03-01")
    s.change_plan(PRO, at("2025-03-16"))
    s.advance_period()
    assert s.period_plan == PRO
    assert s.period_charge().total.cents == 5900


def test_a_cancelled_subscriptions_last_period_is_its_last() -> None:
    s = active("2025-03-01")
    s.move_to(Status.CANCELLED, at("2025-03-10"))
    assert s.period_charge().total.cents == 2900  # cancelled mid-period: the period is billed
    assert s.advance_period() is False


def test_period_entries_are_keyed_by_subscription_period_and_line() -> None:
    s = active("2025-03-01", addons=[(STORAGE, 2)])
    entries = period_entries(s, s.period_charge())
    keys = [e.idempotency_key for e in entries]
    assert keys == [
        f"period:{s.id}:2025-03-01T00:00:00+00:00:plan",
        f"period:{s.id}:2025-03-01T00:00:00+00:00:addon:{s.addons[0].id}",
    ]
    assert all(e.tenant_id == "tenant-a" and e.amount.cents > 0 for e in entries)
