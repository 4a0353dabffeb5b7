"""Cloudsim served for real on a loopback port; every test starts from a reset simulator."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from arcadia_cloudsim.admin import SimAdmin
from arcadia_cloudsim.embedded import running_cloudsim

TOKEN = "test-token"


@pytest.fixture(scope="session")
def sim_url() -> Iterator[str]:
    with running_cloudsim() as url:
        yield url


@pytest.fixture
async def admin(sim_url: str) -> AsyncIterator[SimAdmin]:
    async with SimAdmin(sim_url, timeout_s=30) as sim_admin:
        await sim_admin.reset()
        yield sim_admin


@pytest.fixture
async def api(sim_url: str, admin: SimAdmin) -> AsyncIterator[httpx.AsyncClient]:
    """A raw HTTP client with a bearer token, on a reset simulator."""
    headers = {"Authorization": f"Bearer {TOKEN}"}
    # Generous: on a loaded machine a slow answer is not a failure; faults are tested explicitly.
    async with httpx.AsyncClient(base_url=sim_url, headers=headers, timeout=30) as client:
        yield client
