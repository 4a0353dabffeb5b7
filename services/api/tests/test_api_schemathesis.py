"""Schemathesis over /schema/openapi.json against the running gateway: no 5xx, no answer that
breaks the schema, and schema-violating input refused with a 4xx."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from arcadia_api.testing import OPERATOR_ROLES, Gateway

EXAMPLES = 50  # per operation, mode and path variant: about 750 requests, ~15 s
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def fuzz(gw: Gateway, headers: dict[str, str], deployment_id: str) -> Counter[tuple[str, int]]:
    """Run every operation in both generation modes; counts (operation, status) answered."""
    schema = schemathesis.openapi.from_url(f"{gw.url}/schema/openapi.json")
    # Auth is ours to send, not a parameter to fuzz; unknown query parameters are ignored by
    # design (only unknown body fields are refused), so negative cases do not invent them.
    schema.config.generation.update(with_security_parameters=False, allow_extra_parameters=False)
    answered: Counter[tuple[str, int]] = Counter()
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        operation = result.ok()
        label = f"{operation.method.upper()} {operation.path}"
        paths: list[dict[str, Any] | None] = [None]
        if "{deployment_id}" in operation.path:
            paths.append({"deployment_id": deployment_id})  # an existing one, not only 404s
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            negative = mode is GenerationMode.NEGATIVE
            checks = [*CHECKS, negative_data_rejection] if negative else CHECKS
            for path_parameters in paths[:1] if negative else paths:
                strategy = operation.as_strategy(
                    generation_mode=mode, path_parameters=path_parameters
                )
                try:
                    property_test(strategy, gw.url, headers, checks, label, answered)()
                except Unsatisfiable:
                    if not negative:
                        raise  # only "nothing to negate" (GET /tenants) is expected here
    return answered


def property_test(
    strategy: Any,
    base_url: str,
    headers: dict[str, str],
    checks: list[Any],
    label: str,
    answered: Counter[tuple[str, int]],
) -> Any:
    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        response = case.call_and_validate(base_url=base_url, headers=headers, checks=checks)
        answered[(label, response.status_code)] += 1

    return run


async def test_schemathesis_finds_no_5xx_and_no_schema_violation(
    client: httpx.AsyncClient, gateway: Gateway, tenant: str
) -> None:
    operator = gateway.auth(tenant, roles=OPERATOR_ROLES, sub="fuzzer")
    created = await client.post("/api/v1/deployments", json={"slug": "fuzz"}, headers=operator)
    assert created.status_code == 201

    answered = await asyncio.to_thread(fuzz, gateway, operator, created.json()["id"])

    operations = {label for label, _ in answered}
    assert len(operations) == 7
    # Every operation was driven to success at least once, not only to its error paths.
    assert {label for label, status in answered if 200 <= status < 300} == operations
    assert (await client.get("/ready")).status_code == 200
