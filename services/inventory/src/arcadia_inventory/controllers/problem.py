"""Every error as `application/problem+json` (RFC 9457); bad input is a 4xx, never a 5xx."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any, Final

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException

from arcadia_inventory.adapters.digitalocean import CloudProviderError
from arcadia_platform.logs import get_logger

log = get_logger(__name__)
PROBLEM_JSON: Final = "application/problem+json"
TYPE_BASE: Final = "https://docs.arcadia.cloud/problems/"


class Problem(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None


class ProblemError(Exception):
    """An error whose answer the HTTP layer has already decided."""

    def __init__(self, status: int, detail: str, *, slug: str | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.slug = slug


def _problem(status: int, detail: str | None, slug: str | None = None) -> Problem:
    return Problem(
        type=f"{TYPE_BASE}{slug}" if slug else "about:blank",
        title=HTTPStatus(status).phrase,
        status=status,
        detail=detail,
    )


def problem_for(exc: Exception) -> Problem:
    match exc:
        case ProblemError():
            return _problem(exc.status, exc.detail, exc.slug)
        case CloudProviderError():
            return _problem(502, f"The cloud provider could not be read: {exc}", "cloud-provider")
        case ValidationException():
            return _problem(400, str(exc.detail), "validation")
        case HTTPException():
            detail = exc.detail if exc.detail != HTTPStatus(exc.status_code).phrase else None
            return _problem(exc.status_code, detail)
        case _:
            return _problem(500, None)


def handle_exception(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    """Litestar exception handler for every exception: log it, answer with a problem."""
    problem = msgspec.structs.replace(problem_for(exc), instance=request.url.path)
    if problem.status >= 500:
        log.error("request.failed", path=request.url.path, status=problem.status, exc_info=exc)
    else:
        log.info("request.rejected", path=request.url.path, status=problem.status)
    return Response(problem, status_code=problem.status, media_type=PROBLEM_JSON)
