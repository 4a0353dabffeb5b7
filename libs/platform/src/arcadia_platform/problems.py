"""Every HTTP error of every service as `application/problem+json` (RFC 9457), built one way.

A service hands `exception_handler` its own mappers (domain error -> `Answer`); whatever they do
not claim falls to the generic mapping here: decided answers (`ProblemError`), Litestar's
validation and HTTP errors, bodies too large, too deep or not UTF-8, an event too large to
publish, an unreachable database (503 + Retry-After), and anything else as a logged 500.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Final

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, ValidationException
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.openapi.datastructures import ResponseSpec

from arcadia_platform.db import DATABASE_UNAVAILABLE
from arcadia_platform.logs import get_logger
from arcadia_platform.outbox import EventTooLargeError

log = get_logger(__name__)
PROBLEM_JSON: Final = "application/problem+json"
TYPE_BASE: Final = "https://docs.arcadia.cloud/problems/"
UNAUTHENTICATED: Final = "Missing or invalid bearer token"
# Seconds a client should wait before retrying while the database is out of reach.
DATABASE_RETRY_AFTER_S: Final = "5"
_MISSING_FIELD: Final = re.compile(r"missing required field `([^`]+)`")


class FieldError(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One field at fault: what is wrong, which field, and where it was (body, query, header)."""

    message: str
    field: str | None = None
    source: str | None = None


class Problem(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """RFC 9457 members plus the extension members some answers carry (absent elsewhere)."""

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    # The problem's slug with underscores (e.g. `tenant_in_bad_standing`): stable for machines
    # that switch on it, as the gateway does on billing's and inventory's refusals.
    code: str | None = None
    errors: list[FieldError] | None = None
    unknown_fields: list[str] | None = None
    current_state: str | None = None
    allowed_targets: list[str] | None = None
    # Who may make a transition the caller may not (tenant, operator, system).
    allowed_by: list[str] | None = None
    # The droplet sizes a provisioning may have (its plan's), when it named another.
    allowed_sizes: list[str] | None = None
    # The tenant's quota of live deployments, when a create would exceed it.
    quota: int | None = None


@dataclass(frozen=True)
class Answer:
    """A problem and the headers to send with it (e.g. Retry-After, WWW-Authenticate)."""

    problem: Problem
    headers: dict[str, str] = field(default_factory=dict)


# A service's mapping of its own errors; None means "not mine, try the next".
ProblemMapper = Callable[[Exception], Answer | None]


class ProblemError(Exception):
    """An error the HTTP layer raises with its answer already decided."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        slug: str | None = None,
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.slug = slug
        self.headers = headers or {}
        self.extensions = extensions


def problem(status: int, detail: str | None, slug: str | None = None, **ext: Any) -> Problem:
    """A problem whose `type` is the documented URI of `slug` (or about:blank without one)."""
    return Problem(
        type=f"{TYPE_BASE}{slug}" if slug else "about:blank",
        title=HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        code=slug.replace("-", "_") if slug else None,
        **ext,
    )


def answer(status: int, detail: str | None, slug: str | None = None, **ext: Any) -> Answer:
    return Answer(problem(status, detail, slug, **ext))


def generic_answer(exc: Exception) -> Answer:
    """The answer for an exception no service mapper claimed."""
    match exc:
        case ProblemError():
            return Answer(problem(exc.status, exc.detail, exc.slug, **exc.extensions), exc.headers)
        case RequestEntityTooLarge():
            return answer(413, "The request body is larger than accepted", "body-too-large")
        case EventTooLargeError():
            # 413, not 422: the request is refused for its size alone, like an oversize body;
            # the same request with less in it would be accepted. Nothing of it was committed.
            detail = (
                f"The request would publish a {exc.size}-byte {exc.event_type} event;"
                f" at most {exc.limit} bytes can be published. Send less (e.g. fewer add-ons)."
            )
            return answer(413, detail, "event-too-large")
        case NotAuthorizedException():
            return Answer(problem(401, UNAUTHENTICATED), {"WWW-Authenticate": "Bearer"})
        case ValidationException():
            errors = field_errors(exc.extra)
            return answer(400, "Request validation failed", "validation", errors=errors)
        case HTTPException():
            said = exc.detail if exc.detail != HTTPStatus(exc.status_code).phrase else None
            return Answer(problem(exc.status_code, said), dict(exc.headers or {}))
        case UnicodeDecodeError():
            return answer(400, "The request body is not valid UTF-8")
        case RecursionError():
            # msgspec refuses JSON nested deeper than the interpreter's recursion limit.
            return answer(400, "The request body nests too deeply", "body-too-deep")
        case _ if isinstance(exc, DATABASE_UNAVAILABLE):
            detail = "The database is unavailable; try again later"
            return Answer(
                problem(503, detail, "database-unavailable"),
                {"Retry-After": DATABASE_RETRY_AFTER_S},
            )
        case _:
            return Answer(problem(500, None))


def field_errors(extra: Any) -> list[FieldError]:
    """Litestar's validation details as field errors."""
    items = extra if isinstance(extra, list) else [extra] if isinstance(extra, dict) else []
    return [
        FieldError(
            message=str(item.get("message", "invalid")),
            field=_field_name(item),
            source=str(item["source"]) if "source" in item else None,
        )
        for item in items
        if isinstance(item, dict)
    ]


def _field_name(item: dict[str, Any]) -> str | None:
    """Litestar names the whole body `data`; a missing field is then named by msgspec's message."""
    if "key" not in item:
        return None
    missing = _MISSING_FIELD.search(str(item.get("message", "")))
    return missing.group(1) if item["key"] == "data" and missing else str(item["key"])


def answer_for(exc: Exception, mappers: Sequence[ProblemMapper] = ()) -> Answer:
    """The first answer a service mapper gives for `exc`, else the generic one."""
    for mapper in mappers:
        decided = mapper(exc)
        if decided is not None:
            return decided
    return generic_answer(exc)


ExceptionHandler = Callable[[Request[Any, Any, Any], Exception], Response[Problem]]


def exception_handler(*mappers: ProblemMapper) -> ExceptionHandler:
    """A Litestar handler for every exception (`{Exception: exception_handler(...)}`)."""

    def handle(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
        decided = answer_for(exc, mappers)
        body = msgspec.structs.replace(decided.problem, instance=request.url.path)
        _log(request, exc, body.status)
        return Response(
            body, status_code=body.status, media_type=PROBLEM_JSON, headers=decided.headers
        )

    return handle


def _log(request: Request[Any, Any, Any], exc: Exception, status: int) -> None:
    path = request.url.path
    if isinstance(exc, ProblemError) and status >= 500:
        # A decided answer (e.g. an upstream out of reach), logged where it was decided.
        log.warning("request.failed", path=path, status=status)
    elif isinstance(exc, DATABASE_UNAVAILABLE):
        # An outage, not a bug: one line per request, no stack trace.
        log.warning("request.database_unavailable", path=path, error=repr(exc), status=status)
    elif status >= 500:
        log.error("request.failed", path=path, method=request.method, exc_info=exc)
    else:
        log.info("request.rejected", path=path, status=status)


def problem_responses(
    *statuses: int, always: Sequence[int] = (400, 503)
) -> dict[int, ResponseSpec]:
    """OpenAPI entries documenting that `statuses` (and `always`) answer with a problem document.

    400 and 503 are there by default: every operation's input can be malformed, and every
    operation touches the database, whose absence answers 503 `database-unavailable`.
    """
    return {
        status: ResponseSpec(
            data_container=Problem,
            media_type=PROBLEM_JSON,
            description=HTTPStatus(status).phrase,
            generate_examples=False,
        )
        for status in sorted({*statuses, *always})
    }
