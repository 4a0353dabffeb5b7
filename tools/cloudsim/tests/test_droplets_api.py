"""Contract: /v2/droplets and /v2/actions answer with DigitalOcean's shapes and statuses."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from arcadia_cloudsim.admin import SimAdmin
from arcadia_testing.plugin import eventually


def droplet_body(name: str = "web-1", **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "region": "nyc3",
        "size": "s-1vcpu-1gb",
        "image": "ubuntu-24-04-x64",
        "tags": ["saga:abc"],
        **extra,
    }


async def test_create_answers_202_with_a_new_droplet(api: httpx.AsyncClient) -> None:
    response = await api.post("/v2/droplets", json=droplet_body())

    assert response.status_code == 202
    body = response.json()
    droplet = body["droplet"]
    assert isinstance(droplet["id"], int)
    assert droplet["name"] == "web-1"
    assert droplet["status"] == "new"
    assert droplet["region"]["slug"] == "nyc3"
    assert droplet["size_slug"] == "s-1vcpu-1gb"
    assert droplet["tags"] == ["saga:abc"]
    assert droplet["networks"] == {"v4": [], "v6": []}
    assert droplet["created_at"].endswith("Z")
    assert body["links"]["actions"][0]["rel"] == "create"
    assert "ratelimit-remaining" in response.headers


async def test_droplet_becomes_active_with_a_public_ip(api: httpx.AsyncClient) -> None:
    created = (await api.post("/v2/droplets", json=droplet_body())).json()["droplet"]

    droplet = (await api.get(f"/v2/droplets/{created['id']}")).json()["droplet"]

    assert droplet["status"] == "active"
    public = [n for n in droplet["networks"]["v4"] if n["type"] == "public"]
    assert len(public) == 1
    assert public[0]["ip_address"].startswith("198.1")


async def test_a_droplet_stays_new_while_its_activation_delay_runs(
    api: httpx.AsyncClient, admin: SimAdmin
) -> None:
    # Far longer than any test: the droplet cannot become active however slow the machine.
    await admin.configure(activation_delay_ms=600_000)
    created = (await api.post("/v2/droplets", json=droplet_body())).json()["droplet"]

    reads = [(await api.get(f"/v2/droplets/{created['id']}")).json()["droplet"] for _ in range(3)]

    assert [d["status"] for d in reads] == ["new"] * 3
    assert all(d["networks"]["v4"] == [] for d in reads)


async def test_a_droplet_turns_active_once_its_activation_delay_is_over(
    api: httpx.AsyncClient, admin: SimAdmin
) -> None:
    # When exactly is tested with a fake clock (test_lifecycle.py); here: a delayed droplet
    # does become active, with its addresses.
    await admin.configure(activation_delay_ms=200)
    created = (await api.post("/v2/droplets", json=droplet_body())).json()["droplet"]

    async def active() -> dict[str, Any] | None:
        found: dict[str, Any] = (await api.get(f"/v2/droplets/{created['id']}")).json()["droplet"]
        return found if found["status"] == "active" else None

    droplet = await eventually(active, timeout_s=30, interval_s=0.05)

    assert created["status"] == "new"
    assert [n["type"] for n in droplet["networks"]["v4"]] == ["public", "private"]


async def test_list_by_tag_returns_only_tagged_droplets(api: httpx.AsyncClient) -> None:
    await api.post("/v2/droplets", json=droplet_body("a", tags=["saga:1"]))
    await api.post("/v2/droplets", json=droplet_body("b", tags=["saga:2", "env:dev"]))

    body = (await api.get("/v2/droplets", params={"tag_name": "saga:2"})).json()

    assert [d["name"] for d in body["droplets"]] == ["b"]
    assert body["meta"] == {"total": 1}
    assert body["links"] == {}


async def test_list_pages_like_digitalocean(api: httpx.AsyncClient) -> None:
    for i in range(3):
        await api.post("/v2/droplets", json=droplet_body(f"d{i}", tags=["many"]))

    first = (await api.get("/v2/droplets", params={"tag_name": "many", "per_page": 2})).json()
    second = (await api.get(first["links"]["pages"]["next"])).json()

    assert [d["name"] for d in first["droplets"]] == ["d0", "d1"]
    assert [d["name"] for d in second["droplets"]] == ["d2"]
    assert first["meta"]["total"] == second["meta"]["total"] == 3
    assert "next" not in second["links"]["pages"]


async def test_delete_answers_204_then_404(api: httpx.AsyncClient) -> None:
    created = (await api.post("/v2/droplets", json=droplet_body())).json()["droplet"]

    first = await api.delete(f"/v2/droplets/{created['id']}")
    again = await api.delete(f"/v2/droplets/{created['id']}")
    fetched = await api.get(f"/v2/droplets/{created['id']}")

    assert first.status_code == 204
    assert again.status_code == 404
    assert again.json()["id"] == "not_found"
    assert fetched.status_code == 404


async def test_delete_by_tag_removes_every_tagged_droplet(
    api: httpx.AsyncClient, admin: SimAdmin
) -> None:
    await api.post("/v2/droplets", json=droplet_body("a", tags=["doomed"]))
    await api.post("/v2/droplets", json=droplet_body("b", tags=["doomed"]))
    await api.post("/v2/droplets", json=droplet_body("c", tags=["kept"]))

    response = await api.delete("/v2/droplets", params={"tag_name": "doomed"})

    assert response.status_code == 204
    assert [d["name"] for d in (await admin.state())["droplets"]] == ["c"]


async def test_create_action_completes_when_the_droplet_is_active(api: httpx.AsyncClient) -> None:
    body = (await api.post("/v2/droplets", json=droplet_body())).json()
    await api.get(f"/v2/droplets/{body['droplet']['id']}")

    action = (await api.get(f"/v2/actions/{body['links']['actions'][0]['id']}")).json()["action"]

    assert action["status"] == "completed"
    assert action["resource_id"] == body["droplet"]["id"]


async def test_concurrent_creates_get_distinct_ids_and_addresses(api: httpx.AsyncClient) -> None:
    responses = await asyncio.gather(
        *(api.post("/v2/droplets", json=droplet_body(f"c{i}")) for i in range(40))
    )
    ids = [r.json()["droplet"]["id"] for r in responses]
    fetched = await asyncio.gather(*(api.get(f"/v2/droplets/{i}") for i in ids))
    ips = [f.json()["droplet"]["networks"]["v4"][0]["ip_address"] for f in fetched]

    assert len(set(ids)) == 40
    assert len(set(ips)) == 40
