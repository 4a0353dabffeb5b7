"""The per-token requests-per-minute limit: enforced when set, a 429 in DigitalOcean's shape."""

from __future__ import annotations

import httpx

from arcadia_cloudsim.admin import SimAdmin
from arcadia_cloudsim.ratelimit import PerTokenLimit


def _client(sim_url: str, token: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=sim_url, headers={"Authorization": f"Bearer {token}"}, timeout=30
    )


async def test_a_token_over_its_limit_gets_429_with_do_headers(
    sim_url: str, admin: SimAdmin
) -> None:
    await admin.configure(requests_per_minute=3)
    async with _client(sim_url, "token-a") as a, _client(sim_url, "token-b") as b:
        answers = [(await a.get("/v2/droplets")).status_code for _ in range(4)]
        other = await b.get("/v2/droplets")
        throttled = await a.post("/v2/droplets", json={})

    assert answers == [200, 200, 200, 429]
    assert other.status_code == 200  # the budget belongs to the token
    assert throttled.status_code == 429  # before any work: not even the body was checked
    assert throttled.json()["id"] == "too_many_requests"
    assert throttled.headers["ratelimit-limit"] == "3"
    assert throttled.headers["ratelimit-remaining"] == "0"
    assert 1 <= int(throttled.headers["retry-after"]) <= 60
    assert int(throttled.headers["ratelimit-reset"]) > 0
    limit = (await admin.state())["rate_limit"]
    assert limit["per_minute"] == 3
    assert limit["breaches"] == {"token-a": 2}
    assert limit["requests"] == {"token-a": 5, "token-b": 1}
    assert (await admin.state())["calls"]["droplets.create"] == 0


async def test_without_a_limit_nothing_is_refused_but_requests_are_counted(
    sim_url: str, admin: SimAdmin, api: httpx.AsyncClient
) -> None:
    for _ in range(5):
        assert (await api.get("/v2/droplets")).status_code == 200

    limit = (await admin.state())["rate_limit"]
    assert limit["per_minute"] == 0
    assert limit["breaches"] == {}
    assert sum(limit["requests"].values()) == 5


def test_the_window_slides() -> None:
    limit = PerTokenLimit(per_minute=2)
    assert limit.take("t", 0.0) is None
    assert limit.take("t", 30.0) is None
    assert limit.take("t", 59.0) == 1.0  # the first start leaves the window at 60 s
    assert limit.take("t", 60.0) is None
    assert limit.take("t", 61.0) == 29.0
    assert limit.breaches == {"t": 2}
