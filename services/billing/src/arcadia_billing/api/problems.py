"""RFC 9457 problem details for every error the internal API answers."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any, Final

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException
from litestar.openapi.datastructures import ResponseSpec
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from arcadia_billing.errors import (
    BillingError,
    ConflictError,
    InvalidTransitionError,
    NotFoundError,
    SubscriptionCancelledError,
    TenantInBadStandingError,
)
from arcadia_platform.logs import get_logger

log = get_logger(__name__)
MEDIA_TYPE: Final = "application/problem+json"
TYPE_PREFIX: Final = "urn:arcadia:billing:problem:"

# A reference in a body that names nothing (unknown plan or add-on, a retired version, a
# currency that does not match) is 422; a state that forbids the request is 409.
STATUS: Final[tuple[tuple[type[BillingError], int], ...]] = (
    (NotFoundError, 404),
    (ConflictError, 409),
    (SubscriptionCancelledError, 409),
    (InvalidTransitionError, 409),
    (TenantInBadStandingError, 409),
)


class Problem(msgspec.Struct, frozen=True, kw_only=True):
    """RFC 9457 problem details; `code` names the problem, `errors` the fields at fault."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    errors: list[dict[str, Any]] | None = None


def documented(*statuses: int) -> dict[int, ResponseSpec]:
    """The problem responses a handler may answer (400 always: its input can be malformed)."""
    return {
        status: ResponseSpec(
            data_container=Problem,
            description=HTTPStatus(status).phrase,
            media_type=MEDIA_TYPE,
            generate_examples=False,
        )
        for status in sorted({400, *statuses})
    }


def problem(
    status: int,
    code: str,
    title: str,
    detail: str,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response[dict[str, Any]]:
    body = {"type": TYPE_PREFIX + code, "title": title, "status": status, "detail": detail}
    return Response(
        {**body, "code": code, **extra},
        status_code=status,
        media_type=MEDIA_TYPE,
        headers=headers,
    )


def billing_error(_: Request[Any, Any, Any], exc: BillingError) -> Response[dict[str, Any]]:
    status = next((s for cls, s in STATUS if isinstance(exc, cls)), 422)
    title = exc.code.replace("_", " ").capitalize()
    return problem(status, exc.code, title, str(exc))


def http_error(_: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    extra: dict[str, Any] = {}
    if isinstance(exc.extra, list) and exc.extra:
        extra["errors"] = exc.extra  # which field was wrong, and why (validation failures)
    code = "malformed_request" if exc.status_code == 400 else f"http_{exc.status_code}"
    detail = exc.detail or ""
    return problem(exc.status_code, code, detail or code, detail, exc.headers, **extra)


def unexpected_error(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    log.error("http.unexpected_error", path=request.url.path, error=repr(exc), exc_info=exc)
    return problem(
        HTTP_500_INTERNAL_SERVER_ERROR,
        "internal_error",
        "Internal error",
        "billing could not complete the request; it has been logged",
    )


EXCEPTION_HANDLERS: Final[dict[type[Exception], Any]] = {
    BillingError: billing_error,
    HTTPException: http_error,
    Exception: unexpected_error,
}
