"""Schemathesis over /schema/openapi.json against the running gateway, with billing, inventory
and the cloud simulator behind it, every one of schemathesis's checks on: no 5xx, no answer that
breaks the schema (status, content type, headers, body), schema-violating input refused with a
4xx, schema-valid input never refused as malformed, and a request without credentials refused.

The operations come from the schema itself: a new endpoint is fuzzed (and must be driven to a
2xx, through `known_things` if it needs data) without this file naming it."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass
from typing import Any

import httpx
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.config._checks import MaxResponseTimeConfig
from schemathesis.core.result import Ok

from arcadia_testing.gateway import OPERATOR_ROLES, Gateway
from arcadia_testing.plugin import unique
from arcadia_testing.upstreams import GatewayStack

EXAMPLES = 50  # per operation, mode and variant: about 2500 requests, ~25 s


def every_check() -> list[Any]:
    """All of schemathesis's registered checks, none left out.

    Each judges the cases it is about and passes the others: `positive_data_acceptance` the
    positive ones, `negative_data_rejection` the negative ones; `missing_required_header`,
    `unsupported_method` and `allow_header_conformance` judge coverage-phase probes, and
    `use_after_free`, `ensure_resource_availability` and `object_level_authorization` stateful
    sequences, neither of which this property-based run makes (OPTIONS/HEAD and unsupported
    methods are tested in test_api_secrets.py)."""
    load_all_checks()
    return list(CHECKS.get_all())


@dataclass(frozen=True)
class Known:
    """An existing deployment for every `{deployment_id}` operation, and per operation label
    extra positive variants (`as_strategy` keywords: `path_parameters`, `body`)."""

    deployment_id: str
    variants: dict[str, list[dict[str, Any]]]


def fuzz(gw: Gateway, headers: dict[str, str], known: Known) -> Counter[tuple[str, int]]:
    """Run every operation in both generation modes; counts (operation, status) answered.

    Positive cases also run with `known` path parameters and bodies: existing deployments and
    catalog entries, so that the operations are driven past their 404 and 422 answers too."""
    schema = schemathesis.openapi.from_url(f"{gw.url}/schema/openapi.json")
    # Auth is ours to send, not a parameter to fuzz; unknown query parameters are ignored by
    # design (only unknown body fields are refused), so negative cases do not invent them.
    schema.config.generation.update(with_security_parameters=False, allow_extra_parameters=False)
    checks = schema.config.checks
    # A well-formed request may still be refused by a business rule no schema can state: a
    # transition the deployment's current state does not allow, a plan billing does not sell,
    # a droplet size the plan does not give. The gateway answers those 422 (never 400, which
    # means "malformed"), so 422 joins the statuses a positive case may get; a 400 still fails.
    positive = checks.positive_data_acceptance
    positive.expected_statuses = [*positive.expected_statuses, "422"]
    # A generous bound: it catches a hang, not a slow run on a loaded 2-core machine.
    checks.max_response_time = MaxResponseTimeConfig(limit=15.0)
    every = every_check()
    answered: Counter[tuple[str, int]] = Counter()
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        operation = result.ok()
        label = f"{operation.method.upper()} {operation.path}"
        variants: list[dict[str, Any]] = [{}, *known.variants.get(label, [])]
        if "{deployment_id}" in operation.path:
            variants.append({"path_parameters": {"deployment_id": known.deployment_id}})
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            negative = mode is GenerationMode.NEGATIVE
            for variant in variants[:1] if negative else variants:
                strategy = operation.as_strategy(generation_mode=mode, **variant)
                try:
                    property_test(strategy, gw.url, headers, every, label, answered)()
                except Unsatisfiable:
                    if not negative:
                        raise  # only "nothing to negate" (no parameter, no body) is expected
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
    # Derandomized: the test demands a 2xx from every operation, so the examples must be the
    # same every run; a fresh random draw could, rarely, miss every success of one operation.
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        response = case.call_and_validate(base_url=base_url, headers=headers, checks=checks)
        answered[(label, response.status_code)] += 1

    return run


async def test_schemathesis_finds_no_5xx_and_no_schema_violation(stack: GatewayStack) -> None:
    gw = stack.gateway
    operator = gw.auth(unique("tenant"), roles=OPERATOR_ROLES, sub="fuzzer")
    async with httpx.AsyncClient(base_url=f"{gw.url}/api/v1", timeout=20) as api:
        known = await known_things(api, operator)

    answered = await asyncio.to_thread(fuzz, gw, operator, known)

    operations = {label for label, _ in answered}
    assert operations == await documented_operations(gw)  # every one, as the schema lists them
    # Every operation was driven to success at least once, not only to its error paths.
    assert {label for label, status in answered if 200 <= status < 300} == operations
    async with httpx.AsyncClient(base_url=gw.url) as http:
        assert (await http.get("/ready")).status_code == 200


async def documented_operations(gw: Gateway) -> set[str]:
    async with httpx.AsyncClient(base_url=gw.url) as http:
        document = (await http.get("/schema/openapi.json")).json()
    methods = {"get", "put", "post", "delete", "patch", "head", "options"}
    return {
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method in item
        if method in methods
    }


async def known_things(api: httpx.AsyncClient, operator: dict[str, str]) -> Known:
    """A deployment, a subscribed one, a fresh one, and a plan and an add-on of the fuzzer's own
    (so that fuzzed prices never reach the seeded catalog other tests use)."""
    ids = []
    for slug in ("fuzz", "fuzz-subscribed", "fuzz-fresh"):
        created = await api.post("/deployments", json={"slug": slug}, headers=operator)
        assert created.status_code == 201, created.text
        ids.append(created.json()["id"])
    plain, subscribed, fresh = ids
    studio = {"plan_code": "studio"}
    answer = await api.post(f"/deployments/{subscribed}/subscribe", json=studio, headers=operator)
    assert answer.status_code == 201, answer.text
    plan, addon = unique("fuzzplan"), unique("fuzzaddon")
    new_plan = {"code": plan, "name": "Fuzz", "monthly_price_cents": 100, "droplet_size": "s-1"}
    assert (await api.post("/plans", json=new_plan, headers=operator)).status_code == 201
    new_addon = {"code": addon, "name": "Fuzz", "unit": "u", "price_cents": 1}
    assert (await api.post("/addons", json=new_addon, headers=operator)).status_code == 201
    base, on = "/api/v1", "/api/v1/deployments/{deployment_id}"
    return Known(
        plain,
        {
            f"POST {on}/subscribe": [
                {"path_parameters": {"deployment_id": fresh}, "body": studio},
            ],
            f"POST {on}/plan": [
                {
                    "path_parameters": {"deployment_id": subscribed},
                    "body": {"plan_code": "studio_pro"},
                },
            ],
            f"POST {on}/addons": [
                {
                    "path_parameters": {"deployment_id": subscribed},
                    "body": {"addons": [{"code": "storage_50gb"}]},
                },
            ],
            f"POST {base}/plans/{{code}}/versions": [{"path_parameters": {"code": plan}}],
            f"POST {base}/plans/{{code}}/versions/{{version}}/retire": [
                {"path_parameters": {"code": plan, "version": 1}}
            ],
            f"POST {base}/addons/{{code}}/prices": [{"path_parameters": {"code": addon}}],
        },
    )
