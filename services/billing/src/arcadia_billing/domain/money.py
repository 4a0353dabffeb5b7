"""Money as integer cents plus a currency, and the one rounding rule billing uses."""

from __future__ import annotations

from dataclasses import dataclass


class CurrencyMismatchError(ValueError):
    """Two amounts in different currencies were combined."""

    code = "currency_mismatch"


@dataclass(frozen=True, slots=True)
class Money:
    cents: int
    currency: str

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatchError(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.cents + other.cents, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.cents - other.cents, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.cents, self.currency)

    def times(self, quantity: int) -> Money:
        return Money(self.cents * quantity, self.currency)


def divide_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded to the nearest integer, halves away from zero."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    magnitude = (2 * abs(numerator) + denominator) // (2 * denominator)
    return magnitude if numerator >= 0 else -magnitude


def prorate(monthly: Money, days: int, month_days: int) -> Money:
    """`days` of a monthly amount, for a month of `month_days` days, rounded half-up to a cent."""
    if not 0 <= days <= month_days:
        raise ValueError(f"{days} days is not within a {month_days}-day month")
    return Money(divide_half_up(monthly.cents * days, month_days), monthly.currency)
