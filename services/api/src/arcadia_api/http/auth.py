"""Bearer-token authentication for /api/v1, and the operator-only guard."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.types import ASGIApp

from arcadia_api.http.principal import NotOperatorError, Principal
from arcadia_api.http.tokens import TokenRejectedError, TokenVerifier
from arcadia_platform.logs import get_logger

log = get_logger(__name__)


class BearerAuthMiddleware(AbstractAuthenticationMiddleware):
    """Every request needs a valid `Authorization: Bearer <jwt>`; the client learns no reason."""

    def __init__(self, app: ASGIApp, verifier: TokenVerifier) -> None:
        super().__init__(app)
        self._verifier = verifier

    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        scheme, _, token = connection.headers.get("authorization", "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            log.info("auth.rejected", reason="no bearer token", path=connection.url.path)
            raise NotAuthorizedException()
        try:
            principal = await self._verifier.verify(token)
        except TokenRejectedError as exc:
            log.info("auth.rejected", reason=exc.reason, path=connection.url.path)
            raise NotAuthorizedException() from None
        return AuthenticationResult(user=principal, auth=token)


async def operator_only(
    connection: ASGIConnection[Any, Principal, Any, Any], _: BaseRouteHandler
) -> None:
    # OPTIONS skips authentication (CORS preflight; it only lists methods), so there is no
    # user to check and nothing to protect.
    if isinstance(connection, Request) and connection.method == "OPTIONS":
        return
    if not connection.user.is_operator:
        raise NotOperatorError("operators only")


def provide_principal(request: Request[Principal, str, State]) -> Principal:
    return request.user
