"""The token bucket keeps under its per-minute budget, counted on a fake clock (no timing flakes)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from arcadia_cloudsim.admin import SimAdmin
from arcadia_platform.digitalocean import DigitalOceanClient, TokenBucket
from libs.platform.tests.digitalocean.fake_time import FakeTime

WINDOW_S = 60.0


def most_in_any_window(times: list[float]) -> int:
    """The largest number of acquisitions starting within any half-open 60 s window."""
    ordered = sorted(times)
    return max(
        sum(1 for t in ordered[i:] if t < start + WINDOW_S) for i, start in enumerate(ordered)
    )


async def test_sequential_acquires_stay_under_the_limit(fake_time: FakeTime) -> None:
    bucket = TokenBucket.per_minute(12, burst=2, clock=fake_time.clock, sleep=fake_time.sleep)
    times = []
    for _ in range(100):
        await bucket.acquire()
        times.append(fake_time.clock())

    assert most_in_any_window(times) <= 12
    # And it is not needlessly slow: 98 tokens at 10/minute take 588 s after the burst.
    assert times[-1] - times[0] <= 588 + 1e-6


async def test_concurrent_acquires_stay_under_the_limit(fake_time: FakeTime) -> None:
    bucket = TokenBucket.per_minute(30, burst=5, clock=fake_time.clock, sleep=fake_time.sleep)
    times: list[float] = []

    async def take() -> None:
        await bucket.acquire()
        times.append(fake_time.clock())

    await asyncio.gather(*(take() for _ in range(120)))

    assert len(times) == 120
    assert most_in_any_window(times) <= 30


async def test_the_burst_is_available_at_once(fake_time: FakeTime) -> None:
    bucket = TokenBucket.per_minute(250, burst=10, clock=fake_time.clock, sleep=fake_time.sleep)

    for _ in range(10):
        await bucket.acquire()

    assert fake_time.sleeps == []


def test_a_burst_as_large_as_the_limit_is_refused(fake_time: FakeTime) -> None:
    with pytest.raises(ValueError, match="burst"):
        TokenBucket.per_minute(10, burst=10, clock=fake_time.clock, sleep=fake_time.sleep)


async def test_the_client_paces_its_requests(
    make_client: Callable[..., DigitalOceanClient], admin: SimAdmin, fake_time: FakeTime
) -> None:
    client = make_client(requests_per_minute=12, burst=2)
    started = fake_time.clock()

    for _ in range(6):
        await client.list_droplets_by_tag("saga:1")

    # 2 from the burst, then 4 more at 10 per minute: at least 24 s of (fake) waiting.
    assert fake_time.clock() - started >= 24 - 1e-6
    assert (await admin.state())["calls"]["droplets.list"] == 6
