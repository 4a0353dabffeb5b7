"""The one backoff: doubling up to a cap, fully jittered below it."""

from __future__ import annotations

import pytest

from arcadia_platform.backoff import Backoff
from arcadia_platform.consumer import RetryPolicy


def test_the_ceiling_doubles_from_the_base_up_to_the_cap() -> None:
    ceiling = Backoff(base_s=0.1, max_s=1.0, jitter=lambda: 1.0)

    assert [ceiling.delay(n) for n in range(6)] == pytest.approx([0.1, 0.2, 0.4, 0.8, 1.0, 1.0])


def test_full_jitter_can_pick_anything_down_to_zero() -> None:
    floor = Backoff(base_s=0.1, max_s=1.0, jitter=lambda: 0.0)
    half = Backoff(base_s=0.1, max_s=1.0, jitter=lambda: 0.5)

    assert floor.delay(3) == 0.0
    assert half.delay(2) == pytest.approx(0.2)


def test_real_jitter_stays_within_the_window() -> None:
    backoff = Backoff(base_s=0.05, max_s=2.0)

    delays = [backoff.delay(4) for _ in range(200)]

    assert all(0.0 <= d <= 0.8 for d in delays)
    assert len(set(delays)) > 1  # jittered, not a fixed wait


def test_a_negative_retry_counts_as_the_first() -> None:
    assert Backoff(0.1, 1.0, jitter=lambda: 1.0).delay(-3) == pytest.approx(0.1)


def test_the_consumers_retry_policy_uses_it_from_its_first_attempt() -> None:
    policy = RetryPolicy(max_attempts=5, backoff_base_s=0.05, backoff_max_s=0.3)

    delays = [policy.delay(attempt) for attempt in range(1, 6) for _ in range(50)]

    assert all(0.0 <= d <= 0.3 for d in delays)
    assert max(policy.delay(1) for _ in range(50)) <= 0.05
