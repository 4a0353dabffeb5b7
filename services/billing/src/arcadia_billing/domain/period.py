"""Billing periods: calendar months in UTC, counted in whole days."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta


def utc(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("billing times must be timezone-aware")
    return at.astimezone(UTC)


def month_start(at: datetime) -> datetime:
    at = utc(at)
    return datetime(at.year, at.month, 1, tzinfo=UTC)


def next_month_start(at: datetime) -> datetime:
    start = month_start(at)
    if start.month == 12:
        return start.replace(year=start.year + 1, month=1)
    return start.replace(month=start.month + 1)


def midnight(at: datetime) -> datetime:
    at = utc(at)
    return datetime(at.year, at.month, at.day, tzinfo=UTC)


def trial_end(activated_at: datetime, trial_days: int) -> datetime | None:
    """A trial covers whole days: it ends at midnight UTC, `trial_days` after activation's day."""
    if trial_days <= 0:
        return None
    return midnight(activated_at) + timedelta(days=trial_days)


@dataclass(frozen=True, slots=True)
class Period:
    """[start, end); `end` is always the first midnight of a calendar month."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if not utc(self.start) < utc(self.end):
            raise ValueError("a period ends after it starts")

    @classmethod
    def calendar_month(cls, at: datetime) -> Period:
        return cls(month_start(at), next_month_start(at))

    @classmethod
    def starting_at(cls, at: datetime) -> Period:
        """The first period of a subscription: from activation to the end of that month."""
        return cls(utc(at), next_month_start(at))

    def following(self) -> Period:
        return Period.calendar_month(self.end)

    @property
    def month_days(self) -> int:
        """Days in the calendar month this period belongs to: the proration denominator."""
        start = utc(self.start)
        return calendar.monthrange(start.year, start.month)[1]

    def billable_days(self, since: datetime, free_until: datetime | None = None) -> int:
        """Whole days from `since` (its day counts) to the period's end, skipping free days."""
        begin = max(utc(since), utc(self.start), utc(free_until) if free_until else utc(since))
        return max(0, (utc(self.end).date() - begin.date()).days)
