"""The provisioning saga end to end: real Kafka, real PostgreSQL, four services and cloudsim."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from arcadia_contracts.dns import record_name
from arcadia_testing.plugin import eventually, unique
from arcadia_testing.stack import Stack
from arcadia_testing.world import BASE_DOMAIN


@pytest.fixture(autouse=True)
async def clean_simulator(stack: Stack, client: httpx.AsyncClient) -> AsyncIterator[None]:
    yield
    await client.delete(f"{stack.sim}/_sim/faults")
    await stack.sim_config(client, activation_delay_ms=0)


def assert_completed(detail: Any, holdings: dict[str, Any]) -> None:
    """Invariants 1 and 2 for a completed saga: active, and exactly one of each thing."""
    saga = detail["saga"]
    assert saga["status"] == "completed", saga
    assert {s["status"] for s in saga["steps"]} == {"succeeded"}
    assert detail["deployment"]["state"] == "active"
    (droplet,) = holdings["droplets"]
    assert droplet["status"] == "active"
    (record,) = holdings["records"]
    assert record["data"] == droplet["ip"]
    (resource,) = holdings["resources"]
    assert resource["provider_id"] == str(droplet["id"])
    (subscription,) = holdings["subscriptions"]
    assert subscription["status"] == "active"


def assert_compensated(detail: Any, holdings: dict[str, Any], failed_step: str) -> None:
    """Invariants 1 and 2 for an aborted saga: cancelled, and nothing left anywhere."""
    saga = detail["saga"]
    assert saga["status"] == "compensated", saga
    assert saga["failed_step"] == failed_step, saga
    assert detail["deployment"]["state"] == "cancelled"
    assert holdings == {"droplets": [], "records": [], "resources": [], "subscriptions": []}


async def run_saga(
    stack: Stack, client: httpx.AsyncClient, **extra: Any
) -> tuple[Any, dict[str, Any]]:
    tenant, slug = unique("acme").replace("_", "-"), "shop"
    deployment_id, saga_id = await stack.provision(client, tenant, slug, **extra)
    # Generous: a fault held until a step's deadline (20 s) is then compensated.
    detail = await stack.wait_terminal(client, tenant, deployment_id, saga_id, timeout_s=180)
    holdings = await stack.settled_holdings(client, tenant, slug, deployment_id, saga_id)
    return detail, holdings


async def test_happy_path_gives_one_of_everything(stack: Stack, client: httpx.AsyncClient) -> None:
    detail, holdings = await run_saga(
        stack, client, addons=[{"code": "storage_50gb", "quantity": 2}]
    )

    assert_completed(detail, holdings)
    assert [s["step"] for s in detail["saga"]["steps"]] == [
        "mark_provisioning",
        "reserve_subscription",
        "create_droplet",
        "wait_droplet_active",
        "register_inventory",
        "link_resource",
        "point_dns",
        "activate_deployment",
    ]
    states = [(e["from_state"], e["to_state"]) for e in detail["events"]]
    assert states == [(None, "provisioning"), ("provisioning", "active")]


async def test_an_unknown_plan_fails_the_reservation_and_nothing_is_made(
    stack: Stack, client: httpx.AsyncClient
) -> None:
    detail, holdings = await run_saga(stack, client, plan_code="no-such-plan")

    assert_compensated(detail, holdings, "reserve_subscription")
    assert "no-such-plan" in (detail["saga"]["reason"] or "")


@pytest.mark.parametrize(
    ("operation", "fault", "delay_ms", "failed_step"),
    [
        ("droplets.create", 422, 0, "create_droplet"),
        ("droplets.create", 500, 0, "create_droplet"),
        ("droplets.get", "never_active", 300, "wait_droplet_active"),
        ("droplets.get", "errored", 300, "wait_droplet_active"),
        ("droplets.get", "timeout", 300, "wait_droplet_active"),
        ("records.create", 422, 0, "point_dns"),
        ("records.create", 503, 0, "point_dns"),
    ],
)
async def test_a_fault_at_a_step_compensates_everything(
    stack: Stack,
    client: httpx.AsyncClient,
    operation: str,
    fault: object,
    delay_ms: int,
    failed_step: str,
) -> None:
    await stack.sim_config(client, activation_delay_ms=delay_ms)
    await stack.sim_fault(client, operation, fault, count=10_000)

    detail, holdings = await run_saga(stack, client)

    assert_compensated(detail, holdings, failed_step)


async def test_a_create_that_times_out_after_the_work_makes_exactly_one_droplet(
    stack: Stack, client: httpx.AsyncClient
) -> None:
    await stack.sim_fault(client, "droplets.create", "timeout", count=1)

    detail, holdings = await run_saga(stack, client)

    assert_completed(detail, holdings)


async def test_429_storms_and_transient_5xx_still_complete_with_one_droplet(
    stack: Stack, client: httpx.AsyncClient
) -> None:
    await stack.sim_fault(client, "droplets.create", 429, count=3)
    await stack.sim_fault(client, "droplets.list", 500, count=2)
    await stack.sim_fault(client, "droplets.get", 503, count=3)
    await stack.sim_fault(client, "records.create", 429, count=2)
    await stack.sim_fault(client, "records.list", 502, count=2)

    detail, holdings = await run_saga(stack, client)

    assert_completed(detail, holdings)


async def test_a_cancel_racing_the_droplet_creation_leaves_nothing(
    stack: Stack, client: httpx.AsyncClient
) -> None:
    """The cancel lands while create_droplet is the step under way, known for sure: billing has
    reserved and the provisioner is stopped, so nothing has been created yet. Restarted, the
    provisioner hears the request, the reservation and the abort in whichever order, and may
    create the droplet before it hears the abort: whatever it made is undone."""
    await stack.sim_config(client, activation_delay_ms=400)
    tenant, slug = unique("racer").replace("_", "-"), "shop"
    stack.processes["provisioner"].stop()
    try:
        deployment_id, saga_id = await stack.provision(client, tenant, slug)

        async def creating() -> bool:
            steps = (await stack.detail(client, tenant, deployment_id))["saga"]["steps"]
            status = {s["step"]: s["status"] for s in steps}
            return (status["reserve_subscription"], status["create_droplet"]) == (
                "succeeded",
                "running",
            )

        await eventually(creating, timeout_s=60)
        cancel = await client.post(
            f"{stack.api}/api/v1/deployments/{deployment_id}/transition",
            json={"to": "cancelled", "reason": "changed my mind"},
            headers=stack.auth(tenant),
        )
        assert cancel.status_code == 202, cancel.text
    finally:
        await stack.start("provisioner")

    detail = await stack.wait_terminal(client, tenant, deployment_id, saga_id, timeout_s=120)
    holdings = await stack.settled_holdings(client, tenant, slug, deployment_id, saga_id)
    assert_compensated(detail, holdings, "create_droplet")
    assert "cancelled by tester" in detail["saga"]["reason"]


async def test_teardown_of_a_provisioned_deployment_removes_everything(
    stack: Stack, client: httpx.AsyncClient
) -> None:
    tenant, slug = unique("gone").replace("_", "-"), "shop"
    deployment_id, saga_id = await stack.provision(client, tenant, slug)
    await stack.wait_terminal(client, tenant, deployment_id, saga_id)

    cancelled = await client.post(
        f"{stack.api}/api/v1/deployments/{deployment_id}/transition",
        json={"to": "cancelled"},
        headers=stack.auth(tenant),
    )
    assert cancelled.status_code == 200, cancelled.text

    async def torn_down() -> Any:
        detail = await stack.detail(client, tenant, deployment_id)
        teardown = detail["saga"]
        return (
            detail if teardown["kind"] == "teardown" and teardown["status"] != "running" else None
        )

    detail = await eventually(torn_down, timeout_s=120, interval_s=0.2)
    assert detail["saga"]["status"] == "completed", detail["saga"]
    assert detail["deployment"]["state"] == "cancelled"
    holdings = await stack.holdings(client, tenant, slug, deployment_id, saga_id)
    assert holdings == {"droplets": [], "records": [], "resources": [], "subscriptions": []}


async def test_operators_see_failed_compensations_listed(
    stack: Stack, client: httpx.AsyncClient
) -> None:
    await stack.sim_fault(client, "records.create", 422, count=10_000)
    await stack.sim_fault(client, "droplets.delete", 403, count=10_000)  # the provider refuses

    detail, _ = await run_saga(stack, client)

    assert detail["saga"]["status"] == "compensation_failed", detail["saga"]
    listed = await client.get(
        f"{stack.api}/api/v1/sagas",
        params={"status": "compensation_failed"},
        headers=stack.auth("ops", operator=True),
    )
    assert listed.status_code == 200, listed.text
    assert detail["saga"]["id"] in [s["id"] for s in listed.json()["items"]]
    forbidden = await client.get(
        f"{stack.api}/api/v1/sagas", headers=stack.auth(detail["deployment"]["tenant_id"])
    )
    assert forbidden.status_code == 403


async def test_tenants_whose_ids_read_alike_get_their_own_hostnames(
    stack: Stack, client: httpx.AsyncClient
) -> None:
    base = unique("org").replace("_", "")
    tenants = [f"{base}:acme", f"{base}-acme", f"{base.upper()}.acme"]
    started = [await stack.provision(client, tenant, "shop") for tenant in tenants]

    names = set()
    for tenant, (deployment_id, saga_id) in zip(tenants, started, strict=True):
        detail = await stack.wait_terminal(client, tenant, deployment_id, saga_id, timeout_s=120)
        holdings = await stack.settled_holdings(client, tenant, "shop", deployment_id, saga_id)
        assert_completed(detail, holdings)
        names.add(holdings["records"][0]["name"])
    assert len(names) == 3  # one record each, none repointed by another tenant


async def test_a_dns_record_the_provisioner_did_not_create_fails_the_step_and_is_kept(
    stack: Stack, client: httpx.AsyncClient
) -> None:
    tenant, slug = unique("taken").replace("_", "-"), "shop"
    squatter = {"type": "A", "name": record_name(slug, tenant), "data": "198.51.100.9", "ttl": 60}
    made = await client.post(
        f"{stack.sim}/v2/domains/{BASE_DOMAIN}/records",
        json=squatter,
        headers={"Authorization": "Bearer dev-token"},
    )
    assert made.status_code == 201, made.text
    foreign = made.json()["domain_record"]

    deployment_id, saga_id = await stack.provision(client, tenant, slug)
    detail = await stack.wait_terminal(client, tenant, deployment_id, saga_id, timeout_s=120)

    saga = detail["saga"]
    assert (saga["status"], saga["failed_step"]) == ("compensated", "point_dns"), saga
    assert "dns_conflict" in saga["reason"]
    assert detail["deployment"]["state"] == "cancelled"

    async def undone() -> dict[str, Any] | None:
        held = await stack.holdings(client, tenant, slug, deployment_id, saga_id)
        return (
            held if not (held["droplets"] or held["resources"] or held["subscriptions"]) else None
        )

    holdings = await eventually(undone, timeout_s=60)
    (kept,) = holdings["records"]  # the record is the squatter's, untouched
    assert (kept["id"], kept["data"]) == (foreign["id"], "198.51.100.9")
