"""Service identity across processes: billing and inventory (configured as in production) let the
gateway in with its own secret and nobody without one; every service refuses to start with the
public development secret outside development, naming the setting."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable

import httpx
import pytest

from arcadia_platform.service_auth import DEV_SERVICE_SECRET, service_headers
from arcadia_testing.gateway import TEST_SERVICE_SECRET, Gateway, start_gateway
from arcadia_testing.plugin import Infra, ServiceProcess
from arcadia_testing.upstreams import OPS_TEST_SERVICE_SECRET, GatewayStack

INTERNAL = {"billing": "/internal/v1/plans", "inventory": "/internal/v1/resources"}


@pytest.mark.parametrize("service", ["billing", "inventory", "provisioner"])
def test_a_service_refuses_the_built_in_service_secret_naming_the_setting(service: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.endswith(("ARCADIA_ENV", "CALLERS"))}
    done = subprocess.run(
        [sys.executable, "-m", f"arcadia_{service}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "refusing to start" in done.stderr, done.stderr[-2000:]
    assert f"ARCADIA_{service.upper()}_INTERNAL_CALLERS" in done.stderr


def test_the_gateway_refuses_the_built_in_service_secret_naming_the_setting() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("ARCADIA_ENV",)}
    env |= {
        "ARCADIA_API_JWT_SECRET": "j" * 40,
        "ARCADIA_API_INTERNAL_CALLERS": '{"ops": "' + "o" * 40 + '"}',
    }
    env.pop("ARCADIA_API_INTERNAL_SECRET", None)
    done = subprocess.run(
        [sys.executable, "-m", "arcadia_api"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode != 0
    assert "ARCADIA_API_INTERNAL_SECRET" in done.stderr, done.stderr[-2000:]


@pytest.mark.parametrize("service", ["billing", "inventory"])
async def test_internal_apis_answer_only_known_callers(stack: GatewayStack, service: str) -> None:
    url = {"billing": stack.upstreams.billing_url, "inventory": stack.upstreams.inventory_url}
    async with httpx.AsyncClient(base_url=url[service], timeout=10) as http:
        for headers in (
            {},
            service_headers("api", DEV_SERVICE_SECRET),  # production: the public one is no key
            service_headers("ops", TEST_SERVICE_SECRET),  # the gateway's secret, not the CLI's
            {"Authorization": "Bearer x"},
        ):
            refused = await http.get(INTERNAL[service], headers=headers)
            assert refused.status_code == 401, refused.text
            assert refused.json()["code"] == "service_unauthenticated"
        for caller, secret in (("api", TEST_SERVICE_SECRET), ("ops", OPS_TEST_SERVICE_SECRET)):
            let_in = await http.get(INTERNAL[service], headers=service_headers(caller, secret))
            assert let_in.status_code == 200, let_in.text
            outbox = await http.get(
                "/internal/v1/outbox/parked", headers=service_headers(caller, secret)
            )
            assert outbox.status_code == 200, outbox.text
        assert (await http.get("/outbox")).status_code == 404
        assert (await http.get("/health")).status_code == 200
        assert (await http.get("/ready")).status_code == 200


async def test_the_gateway_calls_its_upstreams_with_its_service_credential(
    stack: GatewayStack,
) -> None:
    gateway = stack.gateway
    async with httpx.AsyncClient(base_url=gateway.url, timeout=10) as http:
        plans = await http.get("/api/v1/plans", headers=gateway.auth("acme"))
    assert plans.status_code == 200, plans.text


async def test_a_gateway_with_the_wrong_service_secret_gets_a_502_not_a_401(
    stack: GatewayStack,
    processes: Callable[..., ServiceProcess],
    infra: Infra,
    database: str,
    namespace: str,
) -> None:
    wrong: Gateway = await start_gateway(
        processes,
        database_url=database,
        namespace=namespace,
        kafka=infra.kafka,
        billing_url=stack.upstreams.billing_url,
        inventory_url=stack.upstreams.inventory_url,
        extra_env={"ARCADIA_API_INTERNAL_SECRET": "w" * 40},
    )
    try:
        async with httpx.AsyncClient(base_url=wrong.url, timeout=10) as http:
            plans = await http.get("/api/v1/plans", headers=wrong.auth("acme"))
        assert plans.status_code == 502, plans.text
        assert plans.json()["code"] == "upstream_failed"
    finally:
        wrong.process.stop()
