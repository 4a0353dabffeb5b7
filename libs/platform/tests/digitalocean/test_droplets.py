"""The client's droplet calls against cloudsim: create, poll, look up by tag, delete."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from arcadia_cloudsim.admin import SimAdmin
from arcadia_platform.digitalocean import (
    DigitalOceanClient,
    DropletFailedError,
    DropletNotActiveError,
    ProviderRejectedError,
)
from libs.platform.tests.digitalocean.fake_time import FakeTime

SPEC: dict[str, Any] = {"region": "nyc3", "size": "s-1vcpu-1gb", "image": "ubuntu-24-04-x64"}


async def test_create_then_wait_until_active_gives_an_ip(client: DigitalOceanClient) -> None:
    created = await client.create_droplet("web-1", tags=["saga:1", "arcadia"], **SPEC)

    active = await client.wait_until_active(created.id, timeout_s=5)

    assert created.status == "new"
    assert created.ip is None
    assert active.status == "active"
    assert active.ip is not None
    assert active.tags == ("saga:1", "arcadia")
    assert (active.region, active.size) == ("nyc3", "s-1vcpu-1gb")


async def test_wait_until_active_polls_through_the_activation_delay(
    make_client: Callable[..., DigitalOceanClient], admin: SimAdmin
) -> None:
    await admin.configure(activation_delay_ms=400)
    # Real sleeps here: the simulator's delay runs on the real clock.
    real_time = make_client(real_time=True)
    created = await real_time.create_droplet("slow", tags=["saga:slow"], **SPEC)

    active = await real_time.wait_until_active(created.id, timeout_s=60, poll_interval_s=0.02)

    assert active.is_active
    assert (await admin.state())["calls"]["droplets.get"] > 1


async def test_list_by_tag_finds_only_tagged_droplets(client: DigitalOceanClient) -> None:
    await client.create_droplet("a", tags=["saga:a"], **SPEC)
    await client.create_droplet("b", tags=["saga:b"], **SPEC)

    found = await client.list_droplets_by_tag("saga:b")

    assert [d.name for d in found] == ["b"]
    assert await client.list_droplets_by_tag("saga:none") == []


async def test_list_droplets_reads_every_numbered_page(
    make_client: Callable[..., DigitalOceanClient], admin: SimAdmin
) -> None:
    small_pages = make_client(page_size=2)
    for name in ("p1", "p2", "p3", "p4", "p5"):
        await small_pages.create_droplet(name, tags=[f"saga:{name}"], **SPEC)

    found = await small_pages.list_droplets()

    assert sorted(d.name for d in found) == ["p1", "p2", "p3", "p4", "p5"]
    assert (await admin.state())["calls"]["droplets.list"] == 3


async def test_list_by_tag_follows_pages(
    make_client: Callable[..., DigitalOceanClient], admin: SimAdmin
) -> None:
    client = make_client(page_size=2)
    for i in range(5):
        await client.create_droplet(f"d{i}", tags=["many"], **SPEC)

    found = await client.list_droplets_by_tag("many")

    assert [d.name for d in found] == [f"d{i}" for i in range(5)]
    assert (await admin.state())["calls"]["droplets.list"] == 3


async def test_delete_twice_is_fine_and_get_after_is_404(
    client: DigitalOceanClient, admin: SimAdmin
) -> None:
    created = await client.create_droplet("web-1", tags=["saga:1"], **SPEC)

    await client.delete_droplet(created.id)
    await client.delete_droplet(created.id)

    with pytest.raises(ProviderRejectedError) as raised:
        await client.get_droplet(created.id)
    assert raised.value.status == 404
    assert raised.value.error_id == "not_found"
    assert (await admin.state())["droplets"] == []


async def test_delete_by_tag(client: DigitalOceanClient, admin: SimAdmin) -> None:
    await client.create_droplet("a", tags=["saga:x"], **SPEC)
    await client.create_droplet("b", tags=["saga:x"], **SPEC)

    await client.delete_droplets_by_tag("saga:x")

    assert (await admin.state())["droplets"] == []


async def test_ensure_droplet_creates_once(client: DigitalOceanClient, admin: SimAdmin) -> None:
    first = await client.ensure_droplet(name="web-1", tag="saga:1", tags=["arcadia"], **SPEC)
    second = await client.ensure_droplet(name="web-1", tag="saga:1", tags=["arcadia"], **SPEC)

    state = await admin.state()
    assert first.id == second.id
    assert set(first.tags) == {"saga:1", "arcadia"}
    assert len(state["droplets"]) == 1
    assert state["calls"]["droplets.create"] == 1


async def test_ensure_droplet_keeps_the_oldest_duplicate(
    client: DigitalOceanClient, admin: SimAdmin
) -> None:
    oldest = await client.create_droplet("web-1", tags=["saga:1"], **SPEC)
    await client.create_droplet("web-1", tags=["saga:1"], **SPEC)
    other_name = await client.create_droplet("web-2", tags=["saga:1"], **SPEC)

    kept = await client.ensure_droplet(name="web-1", tag="saga:1", **SPEC)

    assert kept.id == oldest.id
    assert sorted(d["id"] for d in (await admin.state())["droplets"]) == [oldest.id, other_name.id]


async def test_racing_ensures_converge_on_one_droplet(
    client: DigitalOceanClient, admin: SimAdmin
) -> None:
    results = await asyncio.gather(
        *(client.ensure_droplet(name="web-1", tag="saga:race", **SPEC) for _ in range(5))
    )

    remaining = (await admin.state())["droplets"]
    assert len(remaining) == 1
    assert {d.id for d in results} == {remaining[0]["id"]}


async def test_never_active_ends_in_droplet_not_active(
    client: DigitalOceanClient, admin: SimAdmin, fake_time: FakeTime
) -> None:
    await admin.inject("droplets.get", "never_active")
    created = await client.create_droplet("stuck", tags=["saga:1"], **SPEC)

    with pytest.raises(DropletNotActiveError) as raised:
        await client.wait_until_active(created.id, timeout_s=1.0, poll_interval_s=0.1)

    assert raised.value.status == "new"
    assert raised.value.transient is False
    assert 9 <= len(fake_time.sleeps) <= 11


async def test_errored_droplet_fails_the_wait(client: DigitalOceanClient, admin: SimAdmin) -> None:
    await admin.inject("droplets.get", "errored")
    created = await client.create_droplet("doomed", tags=["saga:1"], **SPEC)

    with pytest.raises(DropletFailedError) as raised:
        await client.wait_until_active(created.id, timeout_s=5)

    assert raised.value.status == "errored"
    assert (await admin.state())["droplets"][0]["status"] == "errored"


async def test_a_droplet_deleted_while_waiting_fails_the_wait(
    client: DigitalOceanClient, admin: SimAdmin
) -> None:
    await admin.inject("droplets.get", "never_active")
    created = await client.create_droplet("gone", tags=["saga:1"], **SPEC)
    await client.get_droplet(created.id)
    await client.delete_droplet(created.id)

    with pytest.raises(DropletFailedError) as raised:
        await client.wait_until_active(created.id, timeout_s=5)

    assert raised.value.status == "deleted"
