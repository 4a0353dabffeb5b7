"""The client's DNS calls against cloudsim: CRUD, upsert by name and type, faults."""

from __future__ import annotations

import pytest

from arcadia_cloudsim.admin import SimAdmin
from arcadia_platform.digitalocean import (
    DigitalOceanClient,
    ProviderRejectedError,
    ProviderUnavailableError,
)
from arcadia_platform.digitalocean.records import fqdn
from libs.platform.tests.digitalocean.fake_time import FakeTime

DOMAIN = "apps.arcadia.test"
HANG_MS = 60_000  # far past the client's timeout


async def upsert(client: DigitalOceanClient, data: str = "198.18.0.7", ttl: int = 300) -> int:
    record = await client.upsert_record(DOMAIN, type="A", name="shop.acme", data=data, ttl=ttl)
    return record.id


def test_fqdn_accepts_relative_apex_and_qualified_names() -> None:
    assert fqdn("example.com", "www") == "www.example.com"
    assert fqdn("example.com", "@") == "example.com"
    assert fqdn("example.com", "example.com") == "example.com"
    assert fqdn("example.com", "a.b.example.com") == "a.b.example.com"


async def test_create_list_update_delete(client: DigitalOceanClient, admin: SimAdmin) -> None:
    created = await client.create_record(DOMAIN, type="A", name="web", data="198.18.0.2", ttl=300)
    await client.create_record(DOMAIN, type="TXT", name="web", data="hello", ttl=300)

    by_name = await client.list_records(DOMAIN, "web")
    by_type = await client.list_records(DOMAIN, "web", "A")
    updated = await client.update_record(
        DOMAIN, created.id, type="A", name="web", data="198.18.0.3", ttl=600
    )
    await client.delete_record(DOMAIN, created.id)
    await client.delete_record(DOMAIN, created.id)

    assert (created.type, created.name, created.data, created.ttl) == (
        "A",
        "web",
        "198.18.0.2",
        300,
    )
    assert len(by_name) == 2
    assert [r.id for r in by_type] == [created.id]
    assert (updated.data, updated.ttl) == ("198.18.0.3", 600)
    assert [r["type"] for r in (await admin.state())["records"]] == ["TXT"]


async def test_upsert_creates_once_then_updates_in_place(
    client: DigitalOceanClient, admin: SimAdmin
) -> None:
    first = await upsert(client)
    same = await upsert(client)
    moved = await upsert(client, data="198.18.0.8")

    state = await admin.state()
    assert first == same == moved
    assert [r["data"] for r in state["records"]] == ["198.18.0.8"]
    assert state["calls"]["records.create"] == 1
    assert state["calls"]["records.update"] == 1


async def test_upsert_after_a_5xx_on_create_leaves_one_record(
    client: DigitalOceanClient, admin: SimAdmin
) -> None:
    await admin.inject("records.create", 500, count=2)

    await upsert(client)

    state = await admin.state()
    assert len(state["records"]) == 1
    assert state["calls"]["records.create"] == 3


async def test_upsert_after_a_timeout_on_create_finds_the_record(
    hang_client: DigitalOceanClient, admin: SimAdmin
) -> None:
    await admin.inject("records.create", "timeout", hang_ms=HANG_MS)

    record_id = await upsert(hang_client)

    state = await admin.state()
    assert [r["id"] for r in state["records"]] == [record_id]
    assert state["calls"]["records.create"] == 1


async def test_upsert_keeps_the_oldest_duplicate(
    client: DigitalOceanClient, admin: SimAdmin
) -> None:
    oldest = await client.create_record(
        DOMAIN, type="A", name="shop.acme", data="198.18.0.1", ttl=300
    )
    await client.create_record(DOMAIN, type="A", name="shop.acme", data="198.18.0.1", ttl=300)

    kept = await upsert(client, data="198.18.0.1")

    assert kept == oldest.id
    assert [r["id"] for r in (await admin.state())["records"]] == [oldest.id]


async def test_429_on_create_record_is_waited_out(
    client: DigitalOceanClient, admin: SimAdmin, fake_time: FakeTime
) -> None:
    await admin.inject("records.create", 429, retry_after_s=4)

    await upsert(client)

    assert fake_time.sleeps == [4.0]
    assert len((await admin.state())["records"]) == 1


async def test_422_on_create_record_is_final(client: DigitalOceanClient, admin: SimAdmin) -> None:
    await admin.inject("records.create", 422)

    with pytest.raises(ProviderRejectedError):
        await upsert(client)

    assert (await admin.state())["records"] == []


async def test_an_invalid_record_is_rejected(client: DigitalOceanClient) -> None:
    with pytest.raises(ProviderRejectedError) as raised:
        await client.upsert_record(DOMAIN, type="A", name="web", data="not-an-ip", ttl=300)

    assert raised.value.status == 422


@pytest.mark.parametrize("fault", [500, "timeout"])
async def test_update_is_retried_after_5xx_or_timeout(
    hang_client: DigitalOceanClient, admin: SimAdmin, fault: int | str
) -> None:
    await upsert(hang_client)
    await admin.inject("records.update", fault, hang_ms=HANG_MS)

    await upsert(hang_client, data="198.18.0.9")

    state = await admin.state()
    assert [r["data"] for r in state["records"]] == ["198.18.0.9"]
    assert state["calls"]["records.update"] == 2


async def test_429_then_422_on_update(
    client: DigitalOceanClient, admin: SimAdmin, fake_time: FakeTime
) -> None:
    await upsert(client)
    await admin.inject("records.update", 429, retry_after_s=2)
    await admin.inject("records.update", 422)

    with pytest.raises(ProviderRejectedError):
        await upsert(client, data="198.18.0.9")

    assert fake_time.sleeps == [2.0]


@pytest.mark.parametrize("fault", [500, "timeout"])
async def test_delete_is_retried_after_5xx_or_timeout(
    hang_client: DigitalOceanClient, admin: SimAdmin, fault: int | str
) -> None:
    record_id = await upsert(hang_client)
    await admin.inject("records.delete", fault, hang_ms=HANG_MS)

    await hang_client.delete_record(DOMAIN, record_id)

    state = await admin.state()
    assert state["records"] == []
    assert state["calls"]["records.delete"] == 2


async def test_429_and_422_on_delete(
    client: DigitalOceanClient, admin: SimAdmin, fake_time: FakeTime
) -> None:
    record_id = await upsert(client)
    await admin.inject("records.delete", 429, retry_after_s=1)
    await admin.inject("records.delete", 422)

    with pytest.raises(ProviderRejectedError):
        await client.delete_record(DOMAIN, record_id)

    assert fake_time.sleeps == [1.0]
    assert len((await admin.state())["records"]) == 1


async def test_delete_records_by_name_needs_no_id(
    client: DigitalOceanClient, admin: SimAdmin
) -> None:
    await upsert(client)
    await client.create_record(DOMAIN, type="A", name="other", data="198.18.0.1", ttl=300)

    deleted = await client.delete_records(DOMAIN, type="A", name="shop.acme")

    assert deleted == 1
    assert [r["name"] for r in (await admin.state())["records"]] == ["other"]


async def test_records_5xx_beyond_the_bound_is_unavailable(
    client: DigitalOceanClient, admin: SimAdmin
) -> None:
    await admin.inject("records.list", 503, count=10)

    with pytest.raises(ProviderUnavailableError):
        await upsert(client)
