"""Every error is application/problem+json (RFC 9457); bad input is a 4xx, never a 5xx."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from litestar import Litestar, get
from litestar.testing import TestClient

from arcadia_api.http.problems import handle_exception
from arcadia_testing.gateway import OPERATOR_ROLES, Gateway
from arcadia_testing.plugin import unique

PROBLEM = "application/problem+json"


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert isinstance(body["title"], str)
    assert isinstance(body["type"], str)
    assert body["title"]
    assert body["type"]
    return body


async def create(client: httpx.AsyncClient, gw: Gateway, tenant: str, **body: Any) -> Any:
    response = await client.post("/api/v1/deployments", json=body, headers=gw.auth(tenant))
    assert response.status_code in (201, 202), response.text
    return response.json()


async def test_unknown_fields_are_a_400_naming_every_one_of_them(
    client: httpx.AsyncClient, gateway: Gateway, tenant: str
) -> None:
    body = {
        "slug": "shop",
        "colour": "red",
        "owner": "me",
        "addons": [{"code": "storage", "quantity": 2}, {"code": "x", "price": 1}],
    }
    response = await client.post("/api/v1/deployments", json=body, headers=gateway.auth(tenant))

    found = problem(response, 400)
    assert found["unknown_fields"] == ["colour", "owner", "addons[1].price"]
    assert "colour" in found["detail"]
    assert "addons[1].price" in found["detail"]
    assert found["instance"] == "/api/v1/deployments"
    listed = await client.get("/api/v1/deployments", headers=gateway.auth(tenant))
    assert listed.json()["items"] == []  # nothing was created


async def test_unknown_fields_in_a_transition_are_named_too(
    client: httpx.AsyncClient, gateway: Gateway, tenant: str
) -> None:
    shop = await create(client, gateway, tenant, slug="shop")
    response = await client.post(
        f"/api/v1/deployments/{shop['id']}/transition",
        json={"to": "paused", "because": "x"},
        headers=gateway.auth(tenant),
    )
    assert problem(response, 400)["unknown_fields"] == ["because"]


@pytest.mark.parametrize(
    ("content", "field"),
    [
        (b"", None),
        (b"{not json", None),
        (b"[]", None),
        (b"null", None),
        (b'"\xff"', None),
        (b'{"slug": 42}', "slug"),
        (b'{"slug": "Shop"}', "slug"),
        (b'{"slug": "shop\\n"}', "slug"),
        (b'{"slug": "-shop"}', "slug"),
        (b'{"slug": "shop", "display_name": "a\\u0000b"}', "display_name"),
        (b'{"slug": "shop", "llm_mode": "telepathy"}', "llm_mode"),
        (b'{"slug": "shop", "addons": [{"code": "x", "quantity": 0}]}', None),
        (b'{"slug": "shop", "region": "' + b"x" * 100 + b'"}', "region"),
        (b'{"display_name": "no slug"}', "slug"),
        (b'{"slug": "shop", "display_name": "\\ud800"}', None),
        # JSON types as the schema says them, not as a lenient converter reads them.
        (b'{"slug": "shop", "trial": 0}', "trial"),
        (b'{"slug": "shop", "provision": "true"}', "provision"),
        (b'{"slug": "shop", "addons": [{"code": "x", "quantity": "2"}]}', "addons[0].quantity"),
    ],
)
async def test_bad_bodies_are_400_problems(
    client: httpx.AsyncClient,
    gateway: Gateway,
    tenant: str,
    content: bytes,
    field: str | None,
) -> None:
    headers = {**gateway.auth(tenant), "content-type": "application/json"}
    response = await client.post("/api/v1/deployments", content=content, headers=headers)
    body = problem(response, 400)
    if field is not None:
        assert field in {error.get("field") for error in body["errors"]}, body


async def test_a_slug_clash_is_a_409(
    client: httpx.AsyncClient, gateway: Gateway, tenant: str
) -> None:
    await create(client, gateway, tenant, slug="shop")
    response = await client.post(
        "/api/v1/deployments", json={"slug": "shop"}, headers=gateway.auth(tenant)
    )
    assert problem(response, 409)["type"].endswith("/slug-taken")


async def test_an_invalid_transition_is_a_422_naming_the_allowed_targets(
    client: httpx.AsyncClient, gateway: Gateway, tenant: str
) -> None:
    shop = await create(client, gateway, tenant, slug="shop")
    response = await client.post(
        f"/api/v1/deployments/{shop['id']}/transition",
        json={"to": "archived"},
        headers=gateway.auth(tenant),
    )
    body = problem(response, 422)
    assert body["type"].endswith("/invalid-transition")
    assert body["current_state"] == "active"
    assert body["allowed_targets"] == ["past_due", "paused", "suspended", "cancelled"]
    assert "past_due, paused, suspended, cancelled" in body["detail"]


async def test_unknown_state_names_are_a_400(
    client: httpx.AsyncClient, gateway: Gateway, tenant: str
) -> None:
    shop = await create(client, gateway, tenant, slug="shop")
    response = await client.post(
        f"/api/v1/deployments/{shop['id']}/transition",
        json={"to": "exploded"},
        headers=gateway.auth(tenant),
    )
    problem(response, 400)
    listing = await client.get(
        "/api/v1/deployments", params={"state": "exploded"}, headers=gateway.auth(tenant)
    )
    problem(listing, 400)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/nowhere",
        f"/api/v1/deployments/{uuid.uuid4()}",
        "/api/v1/deployments/not-a-uuid",
        "/nowhere",
    ],
)
async def test_not_found_is_a_404_problem(
    client: httpx.AsyncClient, gateway: Gateway, tenant: str, path: str
) -> None:
    problem(await client.get(path, headers=gateway.auth(tenant)), 404)


async def test_a_wrong_method_is_a_405_problem(
    client: httpx.AsyncClient, gateway: Gateway, tenant: str
) -> None:
    response = await client.delete("/api/v1/deployments", headers=gateway.auth(tenant))
    problem(response, 405)
    assert "GET" in response.headers["allow"]


async def test_forbidden_is_a_403_problem(
    client: httpx.AsyncClient, gateway: Gateway, tenant: str
) -> None:
    shop = await create(client, gateway, tenant, slug="shop")
    problem(await client.get("/api/v1/tenants", headers=gateway.auth(tenant)), 403)
    override = await client.post(
        f"/api/v1/deployments/{shop['id']}/billing-override",
        json={"billing_action_suspended": True},
        headers=gateway.auth(tenant),
    )
    problem(override, 403)
    other = await client.get(
        "/api/v1/deployments", params={"tenant_id": "someone-else"}, headers=gateway.auth(tenant)
    )
    problem(other, 403)


@pytest.mark.parametrize(
    ("params", "status"),
    [
        # Well-formed (a cursor is any string) but not one the API handed out: 422.
        ({"cursor": "garbage"}, 422),
        ({"cursor": "WzEsMl0"}, 422),
        ({"limit": "0"}, 400),
        ({"limit": "1000"}, 400),
    ],
)
async def test_bad_query_parameters_are_4xx_problems(
    client: httpx.AsyncClient, gateway: Gateway, tenant: str, params: dict[str, str], status: int
) -> None:
    response = await client.get("/api/v1/deployments", params=params, headers=gateway.auth(tenant))
    problem(response, status)


async def test_bad_idempotency_keys_are_400_problems(
    client: httpx.AsyncClient, gateway: Gateway, tenant: str
) -> None:
    headers = {**gateway.auth(tenant, roles=OPERATOR_ROLES), "Idempotency-Key": "k" * 300}
    response = await client.post("/api/v1/deployments", json={"slug": "s"}, headers=headers)
    problem(response, 400)


def test_an_unexpected_failure_is_a_500_problem_that_reveals_nothing() -> None:
    @get("/boom", sync_to_thread=False)
    def boom() -> None:
        raise RuntimeError("secret connection string postgres://admin:hunter2@db")

    app = Litestar([boom], exception_handlers={Exception: handle_exception})
    with TestClient(app) as http:
        response = http.get("/boom")

    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM
    assert response.json() == {
        "type": "about:blank",
        "title": "Internal Server Error",
        "status": 500,
        "instance": "/boom",
    }


@pytest.mark.parametrize(
    "content",
    [
        b"[" * 100_000 + b"]" * 100_000,
        b'{"slug": "shop", "display_name": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        # 40,000 levels: deep, yet under the body limit (which would make it a 413).
        b'{"slug": "shop", "extra": ' + b'{"a":' * 40_000 + b"1" + b"}" * 40_000 + b"}",
    ],
    ids=["top-level", "in-a-field", "in-an-unknown-field"],
)
async def test_deeply_nested_json_is_a_400_problem(
    client: httpx.AsyncClient, gateway: Gateway, tenant: str, content: bytes
) -> None:
    # An operator, so that /plans (operators only) reads the body too.
    headers = {**gateway.auth(tenant, roles=OPERATOR_ROLES), "content-type": "application/json"}
    for path in ("/api/v1/deployments", "/api/v1/plans"):
        response = await client.post(path, content=content, headers=headers)
        assert response.status_code == 400, (path, response.status_code, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")


async def test_an_integer_written_with_a_zero_fraction_is_an_integer(
    client: httpx.AsyncClient, gateway: Gateway, tenant: str
) -> None:
    # JSON Schema reads 2.0 as an integer; the strict body check agrees, 2.5 stays a 400.
    headers = gateway.auth(tenant)
    whole = {"slug": "whole", "addons": [{"code": "storage_50gb", "quantity": 2.0}]}
    half = {"slug": "half", "addons": [{"code": "storage_50gb", "quantity": 2.5}]}

    accepted = await client.post("/api/v1/deployments", json=whole, headers=headers)
    refused = await client.post("/api/v1/deployments", json=half, headers=headers)

    assert accepted.status_code == 201, accepted.text
    body = problem(refused, 400)
    assert body["errors"][0]["field"] == "addons[0].quantity"


async def test_options_and_head_never_answer_5xx_on_any_documented_path(
    client: httpx.AsyncClient, gateway: Gateway
) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    filler = {"deployment_id": str(uuid.uuid4()), "version": "1"}
    paths = [
        path.format_map({**filler, **{name: "x" for name in _placeholders(path) - set(filler)}})
        for path in document["paths"]
    ]
    operator = gateway.auth(unique("ops"), roles=OPERATOR_ROLES)
    answered = [
        (method, path, bool(headers), response.status_code)
        for path in [*paths, "/", "/no/such/path"]
        for method in ("OPTIONS", "HEAD")
        for headers in ({}, operator)
        for response in [await client.request(method, path, headers=headers)]
    ]
    assert len(answered) >= 4 * len(paths)
    assert [a for a in answered if a[3] >= 500] == []


def _placeholders(path: str) -> set[str]:
    return {part[1:-1] for part in path.split("/") if part.startswith("{") and part.endswith("}")}
