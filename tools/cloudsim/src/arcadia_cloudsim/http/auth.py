"""Bearer-token guard for the /v2 API, answering 401 in DigitalOcean's shape."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Guard

from arcadia_cloudsim.errors import ApiError
from arcadia_cloudsim.simulator import Simulator


def bearer_guard(expected: str, sim: Simulator) -> Guard:
    """Accept any non-empty bearer token, or only `expected` when it is set; then take the
    request from the token's per-minute budget (a 429 when it is spent and the limit is on)."""

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        scheme, _sep, token = connection.headers.get("authorization", "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token or (expected and token != expected):
            raise ApiError(401)
        sim.admit(token)

    return guard
