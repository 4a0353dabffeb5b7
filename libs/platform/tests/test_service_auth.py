"""Service identity on `/internal/...`: the guard every service app carries, and its caller side."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, cast

import httpx
import pytest
from litestar import Request, get

from arcadia_platform.http import service_app
from arcadia_platform.runtime import ServiceRuntime
from arcadia_platform.service_auth import (
    DEV_SERVICE_SECRET,
    HEADER,
    SCHEME,
    InsecureSettingsError,
    ServiceAuth,
    ServiceCredential,
    refuse_development_callers,
    service_headers,
)
from arcadia_platform.settings import ServiceSettings

API_SECRET = "a" * 40
OPS_SECRET = "o" * 40


@get("/internal/v1/whoami", sync_to_thread=False)
def whoami(request: Request[Any, Any, Any]) -> dict[str, str]:
    return {"caller": request.scope["state"]["service_caller"]}


@get("/public", sync_to_thread=False)
def public() -> dict[str, str]:
    return {"ok": "yes"}


def settings(**overrides: Any) -> ServiceSettings:
    return ServiceSettings.model_validate(
        {
            "service_name": "billing",
            "environment": "production",
            "internal_callers": {"api": API_SECRET, "ops": OPS_SECRET},
            **overrides,
        }
    )


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    # No lifespan: the guard answers before anything touches the database or Kafka.
    app = service_app(ServiceRuntime(settings()), [whoami, public])
    transport = httpx.ASGITransport(app=cast(Any, app))
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as http:
        yield http


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "api",
        f"api:{OPS_SECRET}",  # another caller's secret
        f"api:{API_SECRET}x",
        f"api:{API_SECRET[:-1]}",
        f"nobody:{API_SECRET}",
        f"api:{DEV_SERVICE_SECRET}",
        f":{API_SECRET}",
    ],
)
async def test_an_internal_route_without_a_known_caller_is_a_401_problem(
    client: httpx.AsyncClient, header: str | None
) -> None:
    headers = {} if header is None else {HEADER: header}
    for path in ("/internal/v1/whoami", "/internal/v1/outbox/parked"):
        response = await client.get(path, headers=headers)
        assert response.status_code == 401, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        body = response.json()
        assert body["code"] == "service_unauthenticated"
        assert body["type"].endswith("/service-unauthenticated")
        assert API_SECRET not in response.text


async def test_each_known_caller_is_let_in_and_named(client: httpx.AsyncClient) -> None:
    for caller, secret in (("api", API_SECRET), ("ops", OPS_SECRET)):
        response = await client.get("/internal/v1/whoami", headers=service_headers(caller, secret))
        assert response.status_code == 200, response.text
        assert response.json() == {"caller": caller}


async def test_health_and_other_routes_stay_open(client: httpx.AsyncClient) -> None:
    assert (await client.get("/health")).status_code == 200
    assert (await client.get("/public")).status_code == 200


async def test_the_httpx_auth_sends_the_credential() -> None:
    seen: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get(HEADER))
        return httpx.Response(200)

    transport = httpx.MockTransport(handler)
    auth = ServiceCredential("api", API_SECRET)
    async with httpx.AsyncClient(transport=transport, auth=auth) as http:
        await http.get("http://billing/internal/v1/plans")
    assert seen == [f"api:{API_SECRET}"]


def test_secrets_with_a_colon_and_unknown_callers_are_judged_whole() -> None:
    auth = ServiceAuth({"api": "with:colon" + "x" * 30})
    assert auth.caller("api:with:colon" + "x" * 30) == "api"
    assert auth.caller("api:with") is None
    assert auth.caller(None) is None


def test_the_development_secret_is_refused_outside_development() -> None:
    with pytest.raises(InsecureSettingsError, match="ARCADIA_INTERNAL_CALLERS"):
        service_app(ServiceRuntime(settings(internal_callers={"api": DEV_SERVICE_SECRET})))
    with pytest.raises(InsecureSettingsError, match="ARCADIA_ENV=development"):
        refuse_development_callers("X", {"ops": DEV_SERVICE_SECRET}, "staging")
    with pytest.raises(InsecureSettingsError, match="shorter than 32 bytes"):
        refuse_development_callers("X", {"api": API_SECRET, "ops": "hunter2"}, "production")
    # The defaults are the development secret: accepted in development only.
    service_app(ServiceRuntime(settings(environment="development", internal_callers={})))
    defaults = ServiceSettings.model_validate({"environment": "development"})
    assert set(defaults.internal_callers) == {"api", "ops"}
    service_app(ServiceRuntime(defaults))


def test_arcadia_env_is_read_unprefixed_by_every_service(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARCADIA_ENV", "staging")
    assert ServiceSettings().environment == "staging"
    monkeypatch.setenv("ARCADIA_INTERNAL_CALLERS", '{"api": "s3cr3t"}')
    assert ServiceSettings().internal_callers == {"api": "s3cr3t"}


def test_the_openapi_document_declares_the_credential_on_internal_routes_only() -> None:
    app = service_app(ServiceRuntime(settings()), [whoami, public])
    document = app.openapi_schema.to_schema()

    scheme = document["components"]["securitySchemes"][SCHEME]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", HEADER)
    internal = document["paths"]["/internal/v1/whoami"]["get"]
    assert internal["security"] == [{SCHEME: []}]
    assert "401" in internal["responses"]
    assert "security" not in document["paths"]["/public"]["get"]
    assert "401" not in document["paths"]["/public"]["get"]["responses"]


def test_a_document_without_internal_routes_is_left_as_it_is() -> None:
    app = service_app(ServiceRuntime(settings()), [public])
    document = app.openapi_schema.to_schema()

    assert "securitySchemes" not in document.get("components", {})
    assert "security" not in document["paths"]["/public"]["get"]
