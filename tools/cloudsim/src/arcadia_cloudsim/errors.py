"""DigitalOcean's error body ({"id", "message", "request_id"}) for every 4xx/5xx the simulator sends."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException

ERROR_IDS: dict[int, str] = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    422: "unprocessable_entity",
    429: "too_many_requests",
    500: "server_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
}

DEFAULT_MESSAGES: dict[int, str] = {
    401: "Unable to authenticate you",
    404: "The resource you were accessing could not be found.",
    429: "API Rate limit exceeded.",
    500: "Server was unable to give you a response.",
    503: "Service is temporarily unavailable.",
}

_log = logging.getLogger("arcadia_cloudsim")


class ApiError(Exception):
    """An error the simulator answers with, in DigitalOcean's shape."""

    def __init__(
        self,
        status: int,
        message: str = "",
        *,
        error_id: str = "",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.status = status
        self.error_id = error_id or ERROR_IDS.get(
            status, "error" if status < 500 else "server_error"
        )
        self.message = message or DEFAULT_MESSAGES.get(status, self.error_id.replace("_", " "))
        self.headers = dict(headers or {})
        super().__init__(f"{status} {self.error_id}: {self.message}")


def error_response(error: ApiError) -> Response[dict[str, Any]]:
    body = {"id": error.error_id, "message": error.message, "request_id": str(uuid.uuid4())}
    return Response(body, status_code=error.status, headers=error.headers)


def handle_api_error(_: Request[Any, Any, Any], exc: ApiError) -> Response[dict[str, Any]]:
    return error_response(exc)


def handle_http_exception(
    _: Request[Any, Any, Any], exc: HTTPException
) -> Response[dict[str, Any]]:
    """Litestar's own errors (unknown route, wrong method, bad query parameter) in DO's shape."""
    message = exc.detail if exc.status_code < 500 else ""
    if isinstance(exc.extra, list) and exc.status_code < 500:
        problems = [
            f"{e.get('key', '?')}: {e.get('message', '')}" for e in exc.extra if isinstance(e, dict)
        ]
        message = "; ".join(problems) or message
    error = ApiError(exc.status_code, message, headers=exc.headers)
    if exc.status_code == 404:
        error.message = DEFAULT_MESSAGES[404]
    return error_response(error)


def handle_unexpected(_: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    # A simulator bug must still look like a provider 500, and be visible in its log.
    _log.exception("cloudsim internal error", exc_info=exc)
    return error_response(ApiError(500))
