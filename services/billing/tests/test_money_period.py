"""Money rounding and billing periods: pure rules, no I/O."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from arcadia_billing.domain.money import CurrencyMismatchError, Money, divide_half_up, prorate
from arcadia_billing.domain.period import Period, trial_end


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [(5, 2, 3), (7, 2, 4), (1, 3, 0), (2, 3, 1), (-5, 2, -3), (0, 7, 0), (46400, 31, 1497)],
)
def test_division_rounds_halves_away_from_zero(
    numerator: int, denominator: int, expected: int
) -> None:
    assert divide_half_up(numerator, denominator) == expected


def test_proration_is_days_over_days_in_month_rounded_half_up_to_the_cent() -> None:
    assert prorate(Money(2900, "USD"), 16, 31) == Money(1497, "USD")  # 1496.77
    assert prorate(Money(5900, "USD"), 16, 31) == Money(3045, "USD")  # 3045.16
    assert prorate(Money(1000, "USD"), 1, 8) == Money(125, "USD")
    assert prorate(Money(100, "USD"), 1, 8) == Money(13, "USD")  # 12.5 rounds up
    assert prorate(Money(2900, "USD"), 31, 31) == Money(2900, "USD")
    assert prorate(Money(2900, "USD"), 0, 31) == Money(0, "USD")


def test_proration_refuses_more_days_than_the_month_has() -> None:
    with pytest.raises(ValueError, match="not within"):
        prorate(Money(2900, "USD"), 32, 31)


def test_amounts_in_different_currencies_never_combine() -> None:
    with pytest.raises(CurrencyMismatchError):
        _ = Money(1, "USD") + Money(1, "EUR")


def test_a_calendar_month_period_runs_from_its_first_midnight_to_the_next_months() -> None:
    february = Period.calendar_month(at("2024-02-10T15:30:00"))
    assert (february.start, february.end) == (at("2024-02-01"), at("2024-03-01"))
    assert february.month_days == 29  # leap year
    december = Period.calendar_month(at("2025-12-31T23:59:59"))
    assert (december.end, december.following().end) == (at("2026-01-01"), at("2026-02-01"))


def test_the_first_period_starts_at_activation_and_ends_with_the_month() -> None:
    first = Period.starting_at(at("2025-03-16T10:00:00"))
    assert first.end == at("2025-04-01")
    assert first.month_days == 31
    assert first.billable_days(first.start) == 16  # the 16th counts: 16..31
    assert first.following() == Period(at("2025-04-01"), at("2025-05-01"))


def test_billable_days_skip_free_days_and_never_go_negative() -> None:
    march = Period.calendar_month(at("2025-03-01"))
    assert march.billable_days(march.start) == 31
    assert march.billable_days(march.start, free_until=at("2025-03-30")) == 2
    assert march.billable_days(at("2025-04-03")) == 0
    assert march.billable_days(at("2025-02-01")) == 31  # never before the period itself


def test_a_trial_ends_at_midnight_after_whole_days() -> None:
    assert trial_end(at("2025-03-16T10:00:00"), 14) == at("2025-03-30")
    assert trial_end(at("2025-03-16T10:00:00"), 0) is None


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        Period.calendar_month(datetime(2025, 3, 1))
