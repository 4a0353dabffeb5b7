"""`python -m arcadia_billing` as its own process: it starts, serves, and no input makes it 5xx."""

from __future__ import annotations

import asyncio
import sys
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from arcadia_platform.topics_admin import ensure_topics
from arcadia_testing.plugin import SERVICE_CREDENTIAL, Infra, ServiceProcess, unique
from arcadia_testing.ports import free_port

EXAMPLES = 25  # per operation and generation mode: about 900 requests
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
async def service(infra: Infra, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    name = unique("billing_proc")
    namespace = unique("tp").replace("_", "")
    admin = await asyncpg.connect(infra.database_url("postgres"))
    await admin.execute(f"CREATE DATABASE {name}")
    await ensure_topics(infra.kafka, namespace=namespace)
    port = free_port()
    env = {
        "ARCADIA_BILLING_DATABASE_URL": infra.database_url(name),
        "ARCADIA_BILLING_TOPIC_NAMESPACE": namespace,
        "ARCADIA_BILLING_HTTP_PORT": str(port),
        "KAFKA_BOOTSTRAP_SERVERS": infra.kafka,
    }
    log = Path(tmp_path_factory.mktemp("billing")) / "billing.log"
    process = ServiceProcess([sys.executable, "-m", "arcadia_billing"], env, log).start()
    url = f"http://127.0.0.1:{port}"
    try:
        await process.wait_http(f"{url}/ready")
        yield url
    finally:
        process.stop()
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await admin.close()


async def test_the_service_process_starts_migrated_and_seeded(service: str) -> None:
    async with httpx.AsyncClient(base_url=service, headers=SERVICE_CREDENTIAL) as client:
        ready = await client.get("/ready")
        plans = await client.get("/internal/v1/plans")
        schema = await client.get("/schema/openapi.json")

    assert ready.json()["checks"] == {"database": True, "kafka": True, "loops": True}
    assert {p["code"] for p in plans.json()["plans"]} >= {"studio", "studio_pro"}
    assert len([p for p in schema.json()["paths"] if p.startswith("/internal/v1/")]) == 18


def exercise(url: str, operation: Any, mode: GenerationMode, answered: Counter[Any]) -> None:
    """Hypothesis-generated cases for one operation; each answer is checked and counted."""
    label = f"{operation.method.upper()} {operation.path}"
    negative = mode is GenerationMode.NEGATIVE
    checks = [*CHECKS, negative_data_rejection] if negative else CHECKS

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        response = case.call_and_validate(base_url=url, checks=checks, headers=SERVICE_CREDENTIAL)
        answered[(label, response.status_code)] += 1

    try:
        run()
    except Unsatisfiable:
        if not negative:
            raise  # only an operation without input has nothing to make invalid


def fuzz(url: str) -> Counter[tuple[str, int]]:
    """Every operation, with valid and invalid input: counts (operation, status) answered."""
    schema = schemathesis.openapi.from_url(f"{url}/schema/openapi.json")
    # The credential is sent as it is (SERVICE_CREDENTIAL), as the gateway's fuzz test sends its
    # token: no case is generated for the declared X-Arcadia-Service scheme itself.
    schema.config.generation.update(with_security_parameters=False, allow_extra_parameters=False)
    answered: Counter[tuple[str, int]] = Counter()
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            raise result.err()  # the published schema itself is broken
        operation = result.ok()
        if operation.path.startswith("/internal/v1/"):
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                exercise(url, operation, mode, answered)
    return answered


async def test_no_input_makes_the_internal_api_answer_5xx_or_break_its_schema(
    service: str,
) -> None:
    answered = await asyncio.to_thread(fuzz, service)

    operations = {label for label, _ in answered}
    assert len(operations) == 20
    assert not [key for key in answered if key[1] >= 500]
    # Not only error paths: most operations were driven to a success too.
    succeeded = {label for label, status in answered if status < 300}
    assert len(succeeded) >= 10, sorted(operations - succeeded)
