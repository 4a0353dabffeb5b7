"""The real client against a real cloudsim on a loopback port, with a fake clock for its waits."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from arcadia_cloudsim.admin import SimAdmin
from arcadia_cloudsim.embedded import running_cloudsim
from arcadia_platform.digitalocean import DigitalOceanClient, DigitalOceanConfig
from libs.platform.tests.digitalocean.fake_time import FakeTime

ClientFactory = Callable[..., DigitalOceanClient]
TIMEOUT_S = 5.0
# For the tests whose provider hangs on purpose: each waits out one timeout, so a short one keeps
# the unit tier fast. It is still ~1000 times what a loopback answer takes.
HANG_TIMEOUT_S = 1.0


@pytest.fixture(scope="session")
def sim_url() -> Iterator[str]:
    with running_cloudsim() as url:
        yield url


@pytest.fixture
async def admin(sim_url: str) -> AsyncIterator[SimAdmin]:
    async with SimAdmin(sim_url) as sim_admin:
        await sim_admin.reset()
        yield sim_admin


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
async def make_client(
    sim_url: str, admin: SimAdmin, fake_time: FakeTime
) -> AsyncIterator[ClientFactory]:
    """Build clients with fast retries; all closed after the test. The timeout is real time (the
    fake clock only drives the client's own waits): a short one would let a slow answer on a
    loaded machine count as a timeout and add a call that the tests' exact counts do not expect."""
    clients: list[DigitalOceanClient] = []

    def build(*, real_time: bool = False, **overrides: Any) -> DigitalOceanClient:
        settings: dict[str, Any] = {
            "base_url": sim_url,
            "token": "test-token",
            "timeout_s": TIMEOUT_S,
            "max_retries": 3,
            "backoff_base_s": 0.01,
            "backoff_max_s": 0.05,
            "requests_per_minute": None,
            "poll_interval_s": 0.1,
            **overrides,
        }
        config = DigitalOceanConfig(**settings)
        client = (
            DigitalOceanClient(config)
            if real_time
            else DigitalOceanClient(
                config,
                sleep=fake_time.sleep,
                clock=fake_time.clock,
                wall_clock=fake_time.wall_clock,
            )
        )
        clients.append(client)
        return client

    yield build
    for client in clients:
        await client.aclose()


@pytest.fixture
def client(make_client: ClientFactory) -> DigitalOceanClient:
    return make_client()


@pytest.fixture
def hang_client(make_client: ClientFactory) -> DigitalOceanClient:
    """A client for tests that inject a `timeout` fault: it gives up on the hang in 1 s, not 5."""
    return make_client(timeout_s=HANG_TIMEOUT_S)
