"""Billing's errors as problem documents: its own mapper over the shared problems module.

Every problem billing answers carries `code` (e.g. `tenant_bad_standing`), which the gateway
reads to tell its callers why; so errors the shared mapping leaves without one get one here.
"""

from __future__ import annotations

from typing import Final

from litestar.exceptions import HTTPException

from arcadia_billing.domain.errors import (
    BillingError,
    ConflictError,
    InvalidTransitionError,
    NotFoundError,
    SubscriptionCancelledError,
    TenantInBadStandingError,
)
from arcadia_platform.problems import (
    Answer,
    ExceptionHandler,
    answer,
    exception_handler,
    field_errors,
    generic_answer,
)

# A reference in a body that names nothing (unknown plan or add-on, a retired version, a
# currency that does not match) is 422; a state that forbids the request is 409.
STATUS: Final[tuple[tuple[type[BillingError], int], ...]] = (
    (NotFoundError, 404),
    (ConflictError, 409),
    (SubscriptionCancelledError, 409),
    (InvalidTransitionError, 409),
    (TenantInBadStandingError, 409),
)


def _slug(code: str) -> str:
    """The shared module's slug of a code: `problem()` turns it back into the same code."""
    return code.replace("_", "-")


def billing_answer(exc: Exception) -> Answer:
    """Billing's answer for any exception: its own rules first, then the shared mapping."""
    if isinstance(exc, BillingError):
        status = next((s for cls, s in STATUS if isinstance(exc, cls)), 422)
        return answer(status, str(exc), _slug(exc.code))
    if isinstance(exc, HTTPException) and exc.status_code == 400:
        # Malformed input, with the fields at fault when Litestar named them.
        errors = field_errors(exc.extra) or None
        return answer(400, exc.detail or None, "malformed-request", errors=errors)
    decided = generic_answer(exc)
    if decided.problem.code is not None:
        return decided
    status = decided.problem.status
    code = "internal-error" if status == 500 else f"http-{status}"
    return Answer(answer(status, decided.problem.detail, code).problem, decided.headers)


EXCEPTION_HANDLER: Final[ExceptionHandler] = exception_handler(billing_answer)
