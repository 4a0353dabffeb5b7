"""The reading of retry-after / ratelimit-reset headers."""

from __future__ import annotations

import httpx
import pytest

from arcadia_platform.digitalocean.retry import retry_after_s

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
