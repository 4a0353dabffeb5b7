"""The one problem-details mapping: service mappers first, then the generic answers."""

from __future__ import annotations

import asyncpg
from litestar import Litestar, get
from litestar.exceptions import NotFoundException, ValidationException
from litestar.testing import TestClient

from arcadia_platform.outbox import EventTooLargeError
from arcadia_platform.problems import (
    PROBLEM_JSON,
    Answer,
    ProblemError,
    answer,
    answer_for,
    exception_handler,
)


class QuotaError(Exception):
    pass


def quota(exc: Exception) -> Answer | None:
    return answer(409, str(exc), "quota-exceeded") if isinstance(exc, QuotaError) else None


def test_a_service_mapper_claims_its_own_errors() -> None:
    decided = answer_for(QuotaError("100 live deployments at most"), [quota])
    assert decided.problem.status == 409
    assert decided.problem.type == "https://docs.arcadia.cloud/problems/quota-exceeded"
    assert decided.problem.code == "quota_exceeded"
    assert decided.problem.detail == "100 live deployments at most"


def test_unclaimed_errors_fall_to_the_generic_mapping() -> None:
    assert answer_for(NotFoundException(), [quota]).problem.status == 404
    assert answer_for(RuntimeError("bug"), [quota]).problem.status == 500
    assert answer_for(RecursionError(), []).problem.code == "body_too_deep"
    too_large = answer_for(EventTooLargeError("t", "DeploymentRequested", 2_000_000, 1_000_000))
    assert (too_large.problem.status, too_large.problem.code) == (413, "event_too_large")


def test_an_unreachable_database_is_a_503_with_retry_after() -> None:
    decided = answer_for(asyncpg.exceptions.CannotConnectNowError("starting up"))
    assert decided.problem.status == 503
    assert decided.headers["Retry-After"].isdigit()


def test_a_connection_lost_mid_transaction_is_a_503_not_a_500() -> None:
    # What the pool's reset raises for a connection whose server was killed under it.
    lost = asyncpg.InternalClientError(
        "cannot switch to state 15; another operation (2) is in progress"
    )
    decided = answer_for(lost)
    assert (decided.problem.status, decided.problem.code) == (503, "database_unavailable")


def test_validation_errors_name_the_field() -> None:
    exc = ValidationException(extra=[{"key": "slug", "message": "too long", "source": "body"}])
    errors = answer_for(exc).problem.errors
    assert errors is not None
    assert (errors[0].field, errors[0].source) == ("slug", "body")


def test_the_handler_answers_problem_json_with_the_instance_path() -> None:
    @get("/boom")
    async def boom() -> None:
        raise ProblemError(502, "billing is out of reach", slug="upstream", headers={"X-A": "1"})

    app = Litestar([boom], exception_handlers={Exception: exception_handler(quota)})
    with TestClient(app) as client:
        response = client.get("/boom")
    assert response.status_code == 502
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.headers["X-A"] == "1"
    body = response.json()
    assert body["instance"] == "/boom"
    assert body["code"] == "upstream"
    assert "errors" not in body  # members that do not apply are left out
