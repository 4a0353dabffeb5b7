"""Every cloudsim fault kind, per operation, against the client's retry and idempotency rules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from arcadia_cloudsim.admin import SimAdmin
from arcadia_cloudsim.config import SimConfig
from arcadia_cloudsim.embedded import running_cloudsim
from arcadia_platform.digitalocean import (
    DigitalOceanClient,
    DigitalOceanConfig,
    ProviderRejectedError,
    ProviderUnavailableError,
)
from arcadia_testing.ports import refusing_port
from libs.platform.tests.digitalocean.fake_time import FakeTime

SPEC: dict[str, Any] = {"region": "nyc3", "size": "s-1vcpu-1gb", "image": "ubuntu-24-04-x64"}
HANG_MS = 60_000  # far past the client's timeout; the next test's reset ends the hang


async def ensure(client: DigitalOceanClient, name: str = "web-1") -> Any:
    return await client.ensure_droplet(name=name, tag=f"saga:{name}", **SPEC)


async def test_5xx_on_create_is_retried_by_ensure_with_one_droplet(
    client: DigitalOceanClient, admin: SimAdmin, fake_time: FakeTime
) -> None:
    await admin.inject("droplets.create", 500, count=2)

    droplet = await ensure(client)

    state = await admin.state()
    assert [d["id"] for d in state["droplets"]] == [droplet.id]
    assert state["calls"]["droplets.create"] == 3
    assert len(fake_time.sleeps) == 2


async def test_plain_create_is_not_replayed_after_a_5xx(
    client: DigitalOceanClient, admin: SimAdmin
) -> None:
    await admin.inject("droplets.create", 503)

    with pytest.raises(ProviderUnavailableError) as raised:
        await client.create_droplet("web-1", tags=["saga:1"], **SPEC)

    assert raised.value.status == 503
    assert raised.value.transient is True
    assert (await admin.state())["calls"]["droplets.create"] == 1


async def test_timeout_on_create_after_the_work_finds_the_droplet(
    hang_client: DigitalOceanClient, admin: SimAdmin
) -> None:
    await admin.inject("droplets.create", "timeout", hang_ms=HANG_MS)

    droplet = await ensure(hang_client)

    state = await admin.state()
    assert [d["id"] for d in state["droplets"]] == [droplet.id]
    assert state["calls"]["droplets.create"] == 1


async def test_create_failing_beyond_the_bound_is_unavailable(
    client: DigitalOceanClient, admin: SimAdmin
) -> None:
    await admin.inject("droplets.create", 500, count=100)

    with pytest.raises(ProviderUnavailableError):
        await ensure(client)

    state = await admin.state()
    assert state["calls"]["droplets.create"] == 4  # the first try and max_retries=3 more
    assert state["droplets"] == []


async def test_422_on_create_is_final(client: DigitalOceanClient, admin: SimAdmin) -> None:
    await admin.inject("droplets.create", 422)

    with pytest.raises(ProviderRejectedError) as raised:
        await ensure(client)

    assert raised.value.status == 422
    assert raised.value.error_id == "unprocessable_entity"
    assert raised.value.transient is False
    assert (await admin.state())["calls"]["droplets.create"] == 1


async def test_a_real_validation_error_carries_dos_message(client: DigitalOceanClient) -> None:
    with pytest.raises(ProviderRejectedError) as raised:
        await client.ensure_droplet(name="web-1", tag="saga:1", **{**SPEC, "region": "mars1"})

    assert "region" in raised.value.message


async def test_429_on_create_waits_retry_after_then_creates_once(
    client: DigitalOceanClient, admin: SimAdmin, fake_time: FakeTime
) -> None:
    await admin.inject("droplets.create", 429, retry_after_s=7)

    await client.create_droplet("web-1", tags=["saga:1"], **SPEC)

    state = await admin.state()
    assert fake_time.sleeps == [7.0]
    assert state["calls"]["droplets.create"] == 2
    assert len(state["droplets"]) == 1


async def test_a_429_storm_ends_unavailable_with_the_wait(
    make_client: Callable[..., DigitalOceanClient], admin: SimAdmin, fake_time: FakeTime
) -> None:
    client = make_client(max_rate_limit_waits=3)
    await admin.inject("droplets.list", 429, count=50, retry_after_s=2)

    with pytest.raises(ProviderUnavailableError) as raised:
        await client.list_droplets_by_tag("saga:1")

    assert raised.value.status == 429
    assert raised.value.retry_after_s == 2.0
    assert fake_time.sleeps == [2.0, 2.0, 2.0]


async def test_5xx_on_get_is_retried(client: DigitalOceanClient, admin: SimAdmin) -> None:
    created = await client.create_droplet("web-1", tags=["saga:1"], **SPEC)
    await admin.inject("droplets.get", 500, count=2)

    droplet = await client.get_droplet(created.id)

    assert droplet.id == created.id
    assert (await admin.state())["calls"]["droplets.get"] == 3


async def test_timeout_on_get_is_retried(hang_client: DigitalOceanClient, admin: SimAdmin) -> None:
    created = await hang_client.create_droplet("web-1", tags=["saga:1"], **SPEC)
    await admin.inject("droplets.get", "timeout", hang_ms=HANG_MS)

    droplet = await hang_client.get_droplet(created.id)

    assert droplet.is_active
    assert (await admin.state())["calls"]["droplets.get"] == 2


async def test_5xx_on_get_beyond_the_bound_is_unavailable(
    client: DigitalOceanClient, admin: SimAdmin, fake_time: FakeTime
) -> None:
    created = await client.create_droplet("web-1", tags=["saga:1"], **SPEC)
    await admin.inject("droplets.get", 502, count=10)

    with pytest.raises(ProviderUnavailableError):
        await client.get_droplet(created.id)

    assert (await admin.state())["calls"]["droplets.get"] == 4
    assert len(fake_time.sleeps) == 3
    assert all(0 <= s <= 0.05 for s in fake_time.sleeps)


async def test_429_on_get_honours_retry_after(
    client: DigitalOceanClient, admin: SimAdmin, fake_time: FakeTime
) -> None:
    created = await client.create_droplet("web-1", tags=["saga:1"], **SPEC)
    await admin.inject("droplets.get", 429, count=2, retry_after_s=3)

    await client.get_droplet(created.id)

    assert fake_time.sleeps == [3.0, 3.0]


async def test_422_on_get_is_final(client: DigitalOceanClient, admin: SimAdmin) -> None:
    created = await client.create_droplet("web-1", tags=["saga:1"], **SPEC)
    await admin.inject("droplets.get", 422)

    with pytest.raises(ProviderRejectedError):
        await client.get_droplet(created.id)


async def test_5xx_on_delete_is_retried(client: DigitalOceanClient, admin: SimAdmin) -> None:
    created = await client.create_droplet("web-1", tags=["saga:1"], **SPEC)
    await admin.inject("droplets.delete", 500)

    await client.delete_droplet(created.id)

    state = await admin.state()
    assert state["droplets"] == []
    assert state["calls"]["droplets.delete"] == 2


async def test_timeout_on_delete_after_the_work_then_404_is_success(
    hang_client: DigitalOceanClient, admin: SimAdmin
) -> None:
    created = await hang_client.create_droplet("web-1", tags=["saga:1"], **SPEC)
    await admin.inject("droplets.delete", "timeout", hang_ms=HANG_MS)

    await hang_client.delete_droplet(created.id)

    state = await admin.state()
    assert state["droplets"] == []
    assert state["calls"]["droplets.delete"] == 2


async def test_429_on_delete_honours_retry_after(
    client: DigitalOceanClient, admin: SimAdmin, fake_time: FakeTime
) -> None:
    created = await client.create_droplet("web-1", tags=["saga:1"], **SPEC)
    await admin.inject("droplets.delete", 429, retry_after_s=1)

    await client.delete_droplet(created.id)

    assert fake_time.sleeps == [1.0]
    assert (await admin.state())["droplets"] == []


async def test_422_on_delete_is_final(client: DigitalOceanClient, admin: SimAdmin) -> None:
    created = await client.create_droplet("web-1", tags=["saga:1"], **SPEC)
    await admin.inject("droplets.delete", 422)

    with pytest.raises(ProviderRejectedError):
        await client.delete_droplet(created.id)

    assert len((await admin.state())["droplets"]) == 1


async def test_timeout_on_the_lookup_is_retried(
    hang_client: DigitalOceanClient, admin: SimAdmin
) -> None:
    await admin.inject("droplets.list", "timeout", hang_ms=HANG_MS)

    await ensure(hang_client)

    assert len((await admin.state())["droplets"]) == 1


async def test_an_unreachable_provider_is_unavailable_after_retries(
    fake_time: FakeTime,
) -> None:
    # Refused for the whole session: a port merely closed could be taken by a later server.
    url = f"http://127.0.0.1:{refusing_port()}"
    config = DigitalOceanConfig(
        base_url=url, token="t", timeout_s=5.0, max_retries=2, requests_per_minute=None
    )
    async with DigitalOceanClient(config, sleep=fake_time.sleep, clock=fake_time.clock) as client:
        with pytest.raises(ProviderUnavailableError) as raised:
            # A create is retried too: a refused connection never reached the provider.
            await client.create_droplet("web-1", tags=["saga:1"], **SPEC)

    assert "ConnectError" in raised.value.reason
    assert len(fake_time.sleeps) == 2


async def test_a_wrong_token_is_rejected_as_final(fake_time: FakeTime) -> None:
    with running_cloudsim(SimConfig(token="right")) as url:
        config = DigitalOceanConfig(base_url=url, token="wrong", requests_per_minute=None)
        async with DigitalOceanClient(config, sleep=fake_time.sleep) as client:
            with pytest.raises(ProviderRejectedError) as raised:
                await client.list_droplets_by_tag("saga:1")

    assert raised.value.status == 401
    assert raised.value.error_id == "unauthorized"
