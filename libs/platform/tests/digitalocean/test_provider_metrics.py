"""The provider's metrics: time waited on the token bucket, counted on a fake clock, and the
outcome each HTTP status is counted under."""

from __future__ import annotations

import pytest

from arcadia_platform.digitalocean import TokenBucket
from arcadia_platform.digitalocean.transport import outcome_of
from arcadia_platform.metrics import PROVIDER_RATE_LIMIT_WAIT
from libs.platform.tests.digitalocean.fake_time import FakeTime


async def test_the_time_waited_on_the_limiter_is_counted(fake_time: FakeTime) -> None:
    waited = PROVIDER_RATE_LIMIT_WAIT.labels("limiter")
    before = waited._value.get()
    bucket = TokenBucket.per_minute(60, burst=2, clock=fake_time.clock, sleep=fake_time.sleep)
    for _ in range(5):  # two from the burst, then three that wait about a second each
        await bucket.acquire()

    assert len(fake_time.sleeps) == 3
    assert waited._value.get() - before == pytest.approx(sum(fake_time.sleeps))


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (200, "ok"),
        (204, "ok"),
        (404, "not_found"),
        (422, "rejected"),
        (429, "rate_limited"),
        (500, "server_error"),
        (503, "server_error"),
    ],
)
def test_each_status_has_its_outcome(status: int, outcome: str) -> None:
    assert outcome_of(status) == outcome
