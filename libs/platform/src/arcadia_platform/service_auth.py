"""Service identity on the internal HTTP APIs: who may call `/internal/...`, and how callers say so.

A caller sends `X-Arcadia-Service: <caller>:<secret>`; the receiving service holds a map caller ->
secret (`ARCADIA_<S>_INTERNAL_CALLERS`) and compares in constant time. A request under
`/internal/` without a known caller and its secret is a 401 problem `service_unauthenticated`.
`/health` and `/ready` stay open. The built-in development secret is refused outside
`ARCADIA_ENV=development`, like the gateway's built-in JWT secret.
"""

from __future__ import annotations

import hmac
from collections.abc import Generator, Mapping
from typing import Any, Final

import httpx
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.openapi.spec import (
    OpenAPI,
    OpenAPIMediaType,
    OpenAPIResponse,
    Operation,
    Reference,
    SecurityScheme,
)

from arcadia_platform.logs import get_logger
from arcadia_platform.problems import PROBLEM_JSON, ProblemError

log = get_logger(__name__)
HEADER: Final = "X-Arcadia-Service"
INTERNAL_PREFIX: Final = "/internal/"
# The security scheme's name in an OpenAPI document's components.
SCHEME: Final = "serviceCredential"
DEVELOPMENT: Final = "development"
# Public (it is in the repository): accepted only when ARCADIA_ENV=development.
DEV_SERVICE_SECRET: Final = "arcadia-local-development-service-secret"
# The callers of the internal APIs: the gateway and the operators' CLI (tools/ops).
DEFAULT_CALLERS: Final = ("api", "ops")
MIN_SECRET_BYTES: Final = 32


class InsecureSettingsError(Exception):
    """A service was configured in a way that lets anyone act as it or as its callers."""


def default_callers() -> dict[str, str]:
    """`api` and `ops`, each with the built-in development secret (refused outside development)."""
    return dict.fromkeys(DEFAULT_CALLERS, DEV_SERVICE_SECRET)


def header_value(caller: str, secret: str) -> str:
    return f"{caller}:{secret}"


def service_headers(caller: str, secret: str) -> dict[str, str]:
    """The header a caller sends on every internal call."""
    return {HEADER: header_value(caller, secret)}


class ServiceCredential(httpx.Auth):
    """httpx auth that adds the service credential to every request of a client."""

    def __init__(self, caller: str, secret: str) -> None:
        self._value = header_value(caller, secret)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers[HEADER] = self._value
        yield request


def refuse_development_secret(setting: str, secret: str, environment: str) -> None:
    """Exit-worthy when the public development secret, or a guessable short one, is used outside
    development."""
    if environment == DEVELOPMENT:
        return
    if secret == DEV_SERVICE_SECRET:
        raise InsecureSettingsError(
            f"{setting} uses the built-in development service secret, which is public:"
            f" set {setting} to secrets of your own (32+ random bytes each), or"
            f" ARCADIA_ENV={DEVELOPMENT} on a developer machine"
        )
    if len(secret.encode()) < MIN_SECRET_BYTES:
        raise InsecureSettingsError(
            f"{setting} holds a service secret shorter than {MIN_SECRET_BYTES} bytes:"
            " use 32+ random bytes (e.g. `openssl rand -hex 32`)"
        )


def refuse_development_callers(setting: str, callers: Mapping[str, str], environment: str) -> None:
    for secret in callers.values():
        refuse_development_secret(setting, secret, environment)


class ServiceAuth:
    """The receiving side: a Litestar guard for every route under `/internal/`."""

    def __init__(self, callers: Mapping[str, str]) -> None:
        self._callers = {name: secret.encode() for name, secret in callers.items() if secret}

    def caller(self, value: str | None) -> str | None:
        """The caller a header value proves, or None."""
        if not value or ":" not in value:
            return None
        name, _, secret = value.partition(":")
        expected = self._callers.get(name)
        # Compared even for an unknown caller, so timing tells nothing about the names either.
        matches = hmac.compare_digest(expected or b"\x00" * 32, secret.encode())
        return name if expected is not None and matches else None

    # Guards are async on purpose: Litestar runs a sync guard in a worker thread, which cost more
    # than the whole of a /health answer (measured: see docs/benchmarks.md).
    async def guard(
        self, connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
    ) -> None:
        if not connection.scope["path"].startswith(INTERNAL_PREFIX):
            return
        caller = self.caller(connection.headers.get(HEADER))
        if caller is None:
            log.warning("service_auth.rejected", path=connection.scope["path"])
            raise ProblemError(
                401,
                f"Internal APIs need a service credential: {HEADER}: <caller>:<secret>",
                slug="service-unauthenticated",
                headers={"WWW-Authenticate": HEADER},
            )
        connection.scope.setdefault("state", {})["service_caller"] = caller


def document_service_auth(schema: OpenAPI) -> None:
    """Declare the credential in an OpenAPI document as the guard applies it: an apiKey scheme in
    the `X-Arcadia-Service` header, required by every operation under `/internal/`, which may
    answer 401 (a problem document, with its schema when the document has `Problem`). A document
    without such an operation (the gateway's public one) is left as it is."""
    internal = [
        item for path, item in (schema.paths or {}).items() if path.startswith(INTERNAL_PREFIX)
    ]
    if not internal:
        return
    schema.components.security_schemes = {
        **(schema.components.security_schemes or {}),
        SCHEME: SecurityScheme(
            type="apiKey",
            name=HEADER,
            security_scheme_in="header",
            description=f"`{HEADER}: <caller>:<secret>`: a caller the service lists in its"
            " `ARCADIA_<S>_INTERNAL_CALLERS`, with its secret; without it, a 401 problem"
            " `service_unauthenticated`.",
        ),
    }
    problem = Reference("#/components/schemas/Problem")
    has_problem = "Problem" in (schema.components.schemas or {})
    unauthenticated = OpenAPIResponse(
        description="Unauthorized: no known caller and secret in the service credential",
        content={PROBLEM_JSON: OpenAPIMediaType(schema=problem)} if has_problem else None,
    )
    for item in internal:
        for method in ("get", "put", "post", "delete", "options", "head", "patch", "trace"):
            operation: Operation | None = getattr(item, method)
            if operation is not None:
                operation.security = [*(operation.security or []), {SCHEME: []}]
                operation.responses = {"401": unauthenticated, **(operation.responses or {})}
