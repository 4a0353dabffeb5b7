"""Contract: /v2/domains/{domain}/records answers with DigitalOcean's domain_record shapes."""

from __future__ import annotations

from typing import Any

import httpx

from arcadia_cloudsim.admin import SimAdmin

RECORDS = "/v2/domains/example.com/records"


def a_record(name: str = "web", data: str = "198.18.0.9", **extra: Any) -> dict[str, Any]:
    return {"type": "A", "name": name, "data": data, "ttl": 60, **extra}


async def test_create_answers_201_with_the_record(api: httpx.AsyncClient) -> None:
    response = await api.post(RECORDS, json=a_record())

    assert response.status_code == 201
    record = response.json()["domain_record"]
    assert isinstance(record["id"], int)
    assert {k: record[k] for k in ("type", "name", "data", "ttl")} == {
        "type": "A",
        "name": "web",
        "data": "198.18.0.9",
        "ttl": 60,
    }


async def test_list_filters_by_fully_qualified_name_and_type(api: httpx.AsyncClient) -> None:
    await api.post(RECORDS, json=a_record("web"))
    await api.post(RECORDS, json=a_record("api"))
    await api.post(RECORDS, json={"type": "TXT", "name": "web", "data": "hello"})

    by_name = (await api.get(RECORDS, params={"name": "web.example.com"})).json()
    by_both = (await api.get(RECORDS, params={"name": "web.example.com", "type": "A"})).json()
    relative = (await api.get(RECORDS, params={"name": "web"})).json()

    assert by_name["meta"]["total"] == 2
    assert [r["type"] for r in by_both["domain_records"]] == ["A"]
    assert relative["domain_records"] == []


async def test_apex_record_is_named_after_the_domain(api: httpx.AsyncClient) -> None:
    await api.post(RECORDS, json=a_record("@"))

    found = (await api.get(RECORDS, params={"name": "example.com"})).json()["domain_records"]

    assert [r["name"] for r in found] == ["@"]


async def test_update_changes_data_and_ttl(api: httpx.AsyncClient) -> None:
    created = (await api.post(RECORDS, json=a_record())).json()["domain_record"]

    response = await api.put(
        f"{RECORDS}/{created['id']}", json={"type": "A", "data": "198.18.0.10", "ttl": 120}
    )

    assert response.status_code == 200
    assert response.json()["domain_record"]["data"] == "198.18.0.10"
    assert response.json()["domain_record"]["ttl"] == 120


async def test_delete_answers_204_then_404(api: httpx.AsyncClient, admin: SimAdmin) -> None:
    created = (await api.post(RECORDS, json=a_record())).json()["domain_record"]

    first = await api.delete(f"{RECORDS}/{created['id']}")
    again = await api.delete(f"{RECORDS}/{created['id']}")

    assert first.status_code == 204
    assert again.status_code == 404
    assert again.json()["id"] == "not_found"
    assert (await admin.state())["records"] == []


async def test_update_of_a_missing_record_is_404(api: httpx.AsyncClient) -> None:
    response = await api.put(f"{RECORDS}/1", json={"data": "198.18.0.10"})

    assert response.status_code == 404


async def test_records_are_kept_per_domain(api: httpx.AsyncClient, admin: SimAdmin) -> None:
    await api.post(RECORDS, json=a_record())
    await api.post("/v2/domains/other.org/records", json=a_record())

    state = await admin.state()

    assert sorted(r["fqdn"] for r in state["records"]) == ["web.example.com", "web.other.org"]
    assert (await api.get(RECORDS)).json()["meta"]["total"] == 1


async def test_invalid_records_are_rejected_with_422(api: httpx.AsyncClient) -> None:
    bad_bodies = [
        a_record(data="not-an-ip"),
        {"name": "web", "data": "198.18.0.9"},
        a_record(ttl=5),
        a_record(colour="blue"),
        {"type": "MX", "name": "@", "data": "mail.example.com"},
    ]

    responses = [await api.post(RECORDS, json=body) for body in bad_bodies]

    assert [r.status_code for r in responses] == [422] * len(bad_bodies)
    assert all(r.json()["id"] == "unprocessable_entity" for r in responses)


async def test_a_record_type_cannot_change(api: httpx.AsyncClient) -> None:
    created = (await api.post(RECORDS, json=a_record())).json()["domain_record"]

    response = await api.put(f"{RECORDS}/{created['id']}", json={"type": "CNAME", "data": "x"})

    assert response.status_code == 422
    unchanged = (await api.get(RECORDS)).json()["domain_records"][0]
    assert unchanged["type"] == "A"
