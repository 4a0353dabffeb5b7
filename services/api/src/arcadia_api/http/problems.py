"""The gateway's problem answers: its own domain errors, on top of arcadia_platform.problems."""

from __future__ import annotations

from typing import Final

from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.openapi.datastructures import ResponseSpec

from arcadia_api.deployments.domain import (
    DeploymentNotFoundError,
    InvalidSlugError,
    InvalidTransitionError,
    QuotaExceededError,
    SizeNotAllowedError,
    SlugTakenError,
    TransitionForbiddenError,
    TrialProvisioningError,
)
from arcadia_api.http.principal import NotOperatorError
from arcadia_api.http.tokens import SigningKeysUnavailableError
from arcadia_platform import problems
from arcadia_platform.problems import Answer, FieldError, Problem, answer, answer_for, problem

# Seconds a client should wait before retrying while the token signing keys are out of reach.
SIGNING_KEYS_RETRY_AFTER_S: Final = "5"


def gateway_answer(exc: Exception) -> Answer | None:
    """The answer to one of the gateway's own errors; None for any other."""
    match exc:
        case InvalidTransitionError():
            allowed = [str(state) for state in exc.allowed]
            targets = ", ".join(allowed) or "nothing (it is final)"
            detail = (
                f"{exc.current} -> {exc.target} is not allowed; {exc.current} may go to: {targets}"
            )
            return answer(
                422,
                detail,
                "invalid-transition",
                current_state=str(exc.current),
                allowed_targets=allowed,
            )
        case TransitionForbiddenError():
            allowed_by = [str(who) for who in exc.allowed_by]
            detail = (
                f"{exc.current} -> {exc.target} is not a {exc.by}'s to make;"
                f" only {' or '.join(allowed_by)} may"
            )
            return answer(
                403,
                detail,
                "transition-forbidden",
                current_state=str(exc.current),
                allowed_by=allowed_by,
            )
        case DeploymentNotFoundError():
            return answer(404, "No such deployment", "deployment-not-found")
        case SlugTakenError():
            return answer(409, str(exc), "slug-taken")
        case QuotaExceededError():
            return answer(409, str(exc), "quota-exceeded", quota=exc.quota)
        case SizeNotAllowedError():
            return answer(422, str(exc), "size-not-allowed", allowed_sizes=exc.allowed)
        case InvalidSlugError():
            error = FieldError(message=str(exc), field="slug", source="body")
            return answer(400, "Request validation failed", "validation", errors=[error])
        case NotOperatorError():
            return answer(403, f"Forbidden: {exc}", "operators-only")
        case TrialProvisioningError():
            return answer(422, str(exc), "trial-provisioning")
        case SigningKeysUnavailableError():
            detail = "Token signing keys are unavailable; try again"
            return Answer(problem(503, detail), {"Retry-After": SIGNING_KEYS_RETRY_AFTER_S})
        case RequestEntityTooLarge():
            # The gateway's own wording: it is the edge that refuses the body.
            detail = "The request body is larger than the gateway accepts"
            return answer(413, detail, "body-too-large")
        case _:
            return None


def gateway_problem(exc: Exception) -> tuple[Problem, dict[str, str]]:
    """The answer the gateway gives for `exc`, and the headers to send with it."""
    decided = answer_for(exc, (gateway_answer,))
    return decided.problem, decided.headers


handle_exception: Final = problems.exception_handler(gateway_answer)


def problem_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI entries documenting that `statuses` answer with a problem document.

    503 is always among them: every operation reads or writes the database (at least for its
    Idempotency-Key), and an unreachable database answers 503 `database-unavailable`.
    """
    return problems.problem_responses(*statuses, always=(503,))
