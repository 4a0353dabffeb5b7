"""Every error as `application/problem+json` (RFC 9457): one mapping from exception to answer."""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Any, Final

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, ValidationException
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.openapi.datastructures import ResponseSpec

from arcadia_api.deployments.domain import (
    DeploymentNotFoundError,
    InvalidSlugError,
    InvalidTransitionError,
    QuotaExceededError,
    SlugTakenError,
    TransitionForbiddenError,
    TrialProvisioningError,
)
from arcadia_api.http.principal import NotOperatorError
from arcadia_api.http.tokens import SigningKeysUnavailableError
from arcadia_platform.db import DATABASE_UNAVAILABLE
from arcadia_platform.logs import get_logger
from arcadia_platform.outbox import EventTooLargeError

log = get_logger(__name__)
PROBLEM_JSON: Final = "application/problem+json"
TYPE_BASE: Final = "https://docs.arcadia.cloud/problems/"
UNAUTHENTICATED: Final = "Missing or invalid bearer token"
MISSING_FIELD: Final = re.compile(r"missing required field `([^`]+)`")
# Seconds a client should wait before retrying while the database is out of reach.
DATABASE_RETRY_AFTER_S: Final = "5"


class FieldError(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    message: str
    field: str | None = None
    source: str | None = None


class Problem(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """RFC 9457 members plus this API's extension members (present only where they apply)."""

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] | None = None
    unknown_fields: list[str] | None = None
    current_state: str | None = None
    allowed_targets: list[str] | None = None
    # Who may make a transition the caller may not (tenant, operator, system).
    allowed_by: list[str] | None = None


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


def _problem(status: int, detail: str | None, slug: str | None = None, **ext: Any) -> Problem:
    return Problem(
        type=f"{TYPE_BASE}{slug}" if slug else "about:blank",
        title=HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        **ext,
    )


def problem_for(exc: Exception) -> tuple[Problem, dict[str, str]]:
    """The answer to give for `exc`, and the headers to send with it."""
    match exc:
        case ProblemError():
            return _problem(exc.status, exc.detail, exc.slug, **exc.extensions), exc.headers
        case InvalidTransitionError():
            allowed = [str(state) for state in exc.allowed]
            targets = ", ".join(allowed) or "nothing (it is final)"
            detail = (
                f"{exc.current} -> {exc.target} is not allowed; {exc.current} may go to: {targets}"
            )
            return _problem(
                422,
                detail,
                "invalid-transition",
                current_state=str(exc.current),
                allowed_targets=allowed,
            ), {}
        case TransitionForbiddenError():
            allowed_by = [str(who) for who in exc.allowed_by]
            detail = (
                f"{exc.current} -> {exc.target} is not a {exc.by}'s to make;"
                f" only {' or '.join(allowed_by)} may"
            )
            return _problem(
                403,
                detail,
                "transition-forbidden",
                current_state=str(exc.current),
                allowed_by=allowed_by,
            ), {}
        case DeploymentNotFoundError():
            return _problem(404, "No such deployment", "deployment-not-found"), {}
        case SlugTakenError():
            return _problem(409, str(exc), "slug-taken"), {}
        case QuotaExceededError():
            return _problem(409, str(exc), "quota-exceeded"), {}
        case InvalidSlugError():
            error = FieldError(message=str(exc), field="slug", source="body")
            return _problem(400, "Request validation failed", "validation", errors=[error]), {}
        case NotOperatorError():
            return _problem(403, f"Forbidden: {exc}", "operators-only"), {}
        case TrialProvisioningError():
            return _problem(422, str(exc), "trial-provisioning"), {}
        case SigningKeysUnavailableError():
            detail = "Token signing keys are unavailable; try again"
            return _problem(503, detail), {"Retry-After": "5"}
        case RequestEntityTooLarge():
            detail = "The request body is larger than the gateway accepts"
            return _problem(413, detail, "body-too-large"), {}
        case EventTooLargeError():
            # 413, not 422: the request is refused for its size alone, like an oversize body;
            # the same request with less in it would be accepted. Nothing of it was committed.
            detail = (
                f"The request would publish a {exc.size}-byte {exc.event_type} event;"
                f" at most {exc.limit} bytes can be published. Send less (e.g. fewer add-ons)."
            )
            return _problem(413, detail, "event-too-large"), {}
        case NotAuthorizedException():
            return _problem(401, UNAUTHENTICATED), {"WWW-Authenticate": "Bearer"}
        case ValidationException():
            return _problem(
                400, "Request validation failed", "validation", errors=_field_errors(exc.extra)
            ), {}
        case HTTPException():
            said = exc.detail if exc.detail != HTTPStatus(exc.status_code).phrase else None
            return _problem(exc.status_code, said), dict(exc.headers or {})
        case UnicodeDecodeError():
            return _problem(400, "The request body is not valid UTF-8"), {}
        case RecursionError():
            # msgspec refuses JSON nested deeper than the interpreter's recursion limit.
            return _problem(400, "The request body nests too deeply", "body-too-deep"), {}
        case _ if isinstance(exc, DATABASE_UNAVAILABLE):
            detail = "The database is unavailable; try again later"
            return _problem(503, detail, "database-unavailable"), {
                "Retry-After": DATABASE_RETRY_AFTER_S
            }
        case _:
            return _problem(500, None), {}


def _field_errors(extra: Any) -> list[FieldError]:
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
    missing = MISSING_FIELD.search(str(item.get("message", "")))
    return missing.group(1) if item["key"] == "data" and missing else str(item["key"])


def handle_exception(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    """Litestar exception handler for every exception: log it, answer with a problem."""
    problem, headers = problem_for(exc)
    problem = msgspec.structs.replace(problem, instance=request.url.path)
    if isinstance(exc, ProblemError) and problem.status >= 500:
        # A decided answer (e.g. an upstream out of reach), logged where it was decided.
        log.warning("request.failed", path=request.url.path, status=problem.status)
    elif isinstance(exc, DATABASE_UNAVAILABLE):
        # An outage, not a bug: one line per request, no stack trace.
        log.warning(
            "request.database_unavailable", path=request.url.path, error=repr(exc), status=503
        )
    elif problem.status >= 500:
        log.error("request.failed", path=request.url.path, method=request.method, exc_info=exc)
    else:
        log.info("request.rejected", path=request.url.path, status=problem.status)
    return Response(problem, status_code=problem.status, media_type=PROBLEM_JSON, headers=headers)


def problem_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI entries documenting that `statuses` answer with a problem document.

    503 is always among them: every operation reads or writes the database (at least for its
    Idempotency-Key), and an unreachable database answers 503 `database-unavailable`.
    """
    return {
        status: ResponseSpec(
            data_container=Problem,
            media_type=PROBLEM_JSON,
            description=HTTPStatus(status).phrase,
            generate_examples=False,
        )
        for status in sorted({*statuses, 503})
    }
