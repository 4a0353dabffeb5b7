"""Backoff bounds and the reading of retry-after / ratelimit-reset headers."""

from __future__ import annotations

import httpx
import pytest

from arcadia_provisioner.adapters.digitalocean.retry import Backoff, retry_after_s

NOW = 1_700_000_000.0


def response(**headers: str) -> httpx.Response:
    return httpx.Response(429, headers=headers)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "3"}, 3.0),
        ({"retry-after": "0.5"}, 0.5),
        ({"retry-after": "Tue, 14 Nov 2023 22:13:30 GMT"}, 10.0),
        ({"ratelimit-reset": str(int(NOW) + 42)}, 42.0),
        ({"retry-after": "-4"}, 0.0),
        ({"retry-after": "soon"}, None),
        ({}, None),
    ],
)
def test_retry_after_is_read_from_either_header(
    headers: dict[str, str], expected: float | None
) -> None:
    assert retry_after_s(response(**headers), NOW) == expected


def test_backoff_doubles_up_to_the_cap_and_jitters_below_it() -> None:
    ceiling = Backoff(base_s=0.1, max_s=1.0, random=lambda: 1.0)
    floor = Backoff(base_s=0.1, max_s=1.0, random=lambda: 0.0)

    assert [ceiling.delay(n) for n in range(6)] == pytest.approx([0.1, 0.2, 0.4, 0.8, 1.0, 1.0])
    assert floor.delay(3) == 0.0
