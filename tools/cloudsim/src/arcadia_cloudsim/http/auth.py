"""Bearer-token guard for the /v2 API, answering 401 in DigitalOcean's shape."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Guard

from arcadia_cloudsim.errors import ApiError


def bearer_guard(expected: str) -> Guard:
    """Accept any non-empty bearer token, or only `expected` when it is set."""

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        scheme, _sep, token = connection.headers.get("authorization", "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token or (expected and token != expected):
            raise ApiError(401)

    return guard
