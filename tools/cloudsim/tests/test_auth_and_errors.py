"""Contract: bearer token, DigitalOcean's error body, 404s and 422s instead of 500s."""

from __future__ import annotations

import httpx
import pytest

from arcadia_cloudsim.config import SimConfig
from arcadia_cloudsim.embedded import running_cloudsim


@pytest.mark.parametrize("authorization", [None, "", "Bearer", "Basic abc"])
async def test_requests_without_a_bearer_token_get_401(
    sim_url: str, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    async with httpx.AsyncClient(base_url=sim_url, headers=headers) as client:
        response = await client.get("/v2/droplets")

    assert response.status_code == 401
    assert response.json()["id"] == "unauthorized"
    assert response.json()["message"]


async def test_a_configured_token_is_the_only_one_accepted() -> None:
    with running_cloudsim(SimConfig(token="s3cret")) as url:
        async with httpx.AsyncClient(base_url=url) as client:
            wrong = await client.get("/v2/droplets", headers={"Authorization": "Bearer nope"})
            right = await client.get("/v2/droplets", headers={"Authorization": "Bearer s3cret"})

    assert wrong.status_code == 401
    assert right.status_code == 200


async def test_unknown_paths_and_ids_are_404_in_do_shape(api: httpx.AsyncClient) -> None:
    responses = [
        await api.get("/v2/nothing-here"),
        await api.get("/v2/droplets/not-a-number"),
        await api.get("/v2/droplets/42"),
        await api.get("/v2/actions/42"),
        await api.get("/v2/domains/not_a_domain/records"),
    ]

    assert [r.status_code for r in responses] == [404] * len(responses)
    assert all(set(r.json()) == {"id", "message", "request_id"} for r in responses)
    assert all(r.json()["id"] == "not_found" for r in responses)


@pytest.mark.parametrize(
    "body",
    [
        {"region": "nyc3", "size": "s-1vcpu-1gb", "image": "ubuntu"},
        {"name": "a", "region": "mars1", "size": "s-1vcpu-1gb", "image": "ubuntu"},
        {"name": "a b", "region": "nyc3", "size": "s-1vcpu-1gb", "image": "ubuntu"},
        {"name": "a", "region": "nyc3", "size": "S 1", "image": "ubuntu"},
        {"name": "a", "region": "nyc3", "size": "s-1vcpu-1gb", "image": ""},
        {"name": "a", "region": "nyc3", "size": "s-1vcpu-1gb", "image": "u", "tags": ["a b"]},
        {"name": "a", "region": "nyc3", "size": "s-1vcpu-1gb", "image": "u", "colour": "x"},
        {"name": 7, "region": "nyc3", "size": "s-1vcpu-1gb", "image": "ubuntu"},
        [],
    ],
)
async def test_bad_create_bodies_get_422(api: httpx.AsyncClient, body: object) -> None:
    response = await api.post("/v2/droplets", json=body)

    assert response.status_code == 422
    assert response.json()["id"] == "unprocessable_entity"
    assert response.json()["message"]


async def test_malformed_json_gets_400(api: httpx.AsyncClient) -> None:
    response = await api.post("/v2/droplets", content=b"{not json")

    assert response.status_code == 400
    assert response.json()["id"] == "bad_request"


async def test_bad_query_parameters_get_400(api: httpx.AsyncClient) -> None:
    response = await api.get("/v2/droplets", params={"per_page": 500})

    assert response.status_code == 400
    assert "per_page" in response.json()["message"]


async def test_nothing_is_created_by_a_rejected_request(api: httpx.AsyncClient) -> None:
    await api.post("/v2/droplets", json={"name": "a", "region": "mars1", "size": "s", "image": "u"})

    assert (await api.get("/v2/droplets")).json()["meta"]["total"] == 0
