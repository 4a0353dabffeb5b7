"""Billing's problem mapping (pure): each error keeps the status and `code` the gateway reads."""

from __future__ import annotations

import pytest
from litestar.exceptions import NotFoundException, ValidationException

from arcadia_billing.domain.errors import (
    AlreadyExistsError,
    BillingError,
    InvalidRequestError,
    PlanNotFoundError,
    TenantInBadStandingError,
    UnknownPlanError,
)
from arcadia_billing.http.problems import billing_answer


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (PlanNotFoundError("no plan x"), 404, "plan_not_found"),
        (AlreadyExistsError("plan x exists"), 409, "already_exists"),
        (TenantInBadStandingError("past due"), 409, "tenant_bad_standing"),
        (UnknownPlanError("no plan enterprise"), 422, "unknown_plan"),
        (InvalidRequestError("in the future"), 422, "invalid_request"),
    ],
)
def test_a_domain_error_keeps_its_status_and_code(
    error: BillingError, status: int, code: str
) -> None:
    problem = billing_answer(error).problem

    assert (problem.status, problem.code, problem.detail) == (status, code, str(error))
    assert problem.type == "https://docs.arcadia.cloud/problems/" + code.replace("_", "-")


def test_malformed_input_is_malformed_request_naming_the_field() -> None:
    invalid = ValidationException(
        "Validation failed", extra=[{"message": "too long", "key": "actor", "source": "body"}]
    )

    problem = billing_answer(invalid).problem

    assert (problem.status, problem.code) == (400, "malformed_request")
    assert problem.errors is not None
    assert [(e.field, e.message, e.source) for e in problem.errors] == [
        ("actor", "too long", "body")
    ]


def test_other_http_errors_and_crashes_keep_their_codes() -> None:
    missing = billing_answer(NotFoundException()).problem
    crashed = billing_answer(RuntimeError("boom")).problem

    assert (missing.status, missing.code) == (404, "http_404")
    assert (crashed.status, crashed.code, crashed.detail) == (500, "internal_error", None)


def test_an_unreachable_database_is_a_503_to_retry() -> None:
    decided = billing_answer(ConnectionRefusedError("postgres is down"))

    assert (decided.problem.status, decided.problem.code) == (503, "database_unavailable")
    assert decided.headers["Retry-After"] == "5"
