"""The provisioner's saga steps end to end: real Kafka, real PostgreSQL, the cloud simulator."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import httpx
import pytest

from arcadia_contracts import Envelope, Event, envelope, topics
from arcadia_contracts.events.billing import SubscriptionReserved
from arcadia_contracts.events.deployments import (
    DeploymentProvisioningRequested,
    DeploymentTeardownRequested,
    ProvisioningAborted,
)
from arcadia_contracts.events.inventory import ResourceLinked
from arcadia_contracts.events.provisioner import DnsPointed, DropletActive
from arcadia_platform.topicnames import TopicNames
from arcadia_provisioner.domain import JobKind
from arcadia_provisioner.domain.names import dns_name
from arcadia_testing.plugin import Infra, ServiceProcess, decoded, eventually, publish
from arcadia_testing.ports import free_port


@dataclass
class ProvisionerStack:
    infra: Infra
    names: TopicNames
    sim: str
    provisioner: ServiceProcess
    database: str

    async def send(self, topic: str, *events: Envelope) -> None:
        await publish(self.infra.kafka, self.names.physical(topic), *events)

    async def published(self) -> list[Envelope]:
        return await decoded(self.infra.kafka, self.names.physical(topics.PROVISIONER))

    async def wait_for(self, saga: UUID, *types: str, timeout_s: float = 90) -> list[Envelope]:
        async def arrived() -> list[Envelope] | None:
            events = [e for e in await self.published() if e.saga_id == saga]
            return events if all(any(e.type == t for e in events) for t in types) else None

        result: list[Envelope] = await eventually(arrived, timeout_s=timeout_s, interval_s=0.2)
        return result

    async def sim_state(self) -> dict[str, Any]:
        async with httpx.AsyncClient(base_url=self.sim) as client:
            state: dict[str, Any] = (await client.get("/_sim/state")).json()
            return state

    async def rows(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(self.database)
        try:
            return list(await conn.fetch(sql, *args))
        finally:
            await conn.close()

    async def fault(self, operation: str, fault: object, count: int = 1) -> None:
        async with httpx.AsyncClient(base_url=self.sim) as client:
            body = {"operation": operation, "fault": fault, "count": count}
            (await client.post("/_sim/faults", json=body)).raise_for_status()


@pytest.fixture
def provisioner_env() -> dict[str, str]:
    """Settings a test adds to the provisioner's (parametrize it to change them)."""
    return {}


@pytest.fixture
async def stack(
    infra: Infra,
    database: str,
    namespace: str,
    processes: Callable[..., ServiceProcess],
    provisioner_env: dict[str, str],
) -> ProvisionerStack:
    sim_port, port = free_port(), free_port()
    sim = processes(
        [sys.executable, "-m", "arcadia_cloudsim"], {"ARCADIA_CLOUDSIM_PORT": str(sim_port)}, "sim"
    ).start()
    await sim.wait_http(f"http://127.0.0.1:{sim_port}/_sim/state")
    env = {
        "ARCADIA_PROVISIONER_DATABASE_URL": database,
        "ARCADIA_PROVISIONER_TOPIC_NAMESPACE": namespace,
        "ARCADIA_PROVISIONER_HTTP_PORT": str(port),
        "ARCADIA_PROVISIONER_DO_BASE_URL": f"http://127.0.0.1:{sim_port}",
        "ARCADIA_PROVISIONER_DO_REQUESTS_PER_MINUTE": "0",
        # Generous client timeout and job deadlines: a deadline counts from when the job is
        # queued, so on a loaded machine a short one expires on work that was only waiting its
        # turn. A test that wants a deadline to expire sets its own (provisioner_env).
        "ARCADIA_PROVISIONER_DO_TIMEOUT_S": "5",
        "ARCADIA_PROVISIONER_DO_MAX_RETRIES": "2",
        "ARCADIA_PROVISIONER_DO_BACKOFF_BASE_S": "0.02",
        "ARCADIA_PROVISIONER_JOB_BACKOFF_BASE_S": "0.02",
        "ARCADIA_PROVISIONER_JOB_BACKOFF_MAX_S": "0.2",
        "ARCADIA_PROVISIONER_STEP_TIMEOUT_S": "120",
        "ARCADIA_PROVISIONER_DROPLET_ACTIVE_TIMEOUT_S": "120",
        "ARCADIA_PROVISIONER_COMPENSATION_MAX_ATTEMPTS": "3",
        **provisioner_env,
    }
    provisioner = processes([sys.executable, "-m", "arcadia_provisioner"], env, "provisioner")
    provisioner.start()
    await provisioner.wait_http(f"http://127.0.0.1:{port}/health")
    sim_url = f"http://127.0.0.1:{sim_port}"
    return ProvisionerStack(infra, TopicNames(namespace), sim_url, provisioner, database)


def saga_event(payload: Event, saga: UUID, deployment: UUID, producer: str = "test") -> Envelope:
    return envelope(
        payload, producer=producer, tenant_id="acme", deployment_id=deployment, saga_id=saga
    )


async def start_saga(stack: ProvisionerStack, slug: str = "shop") -> tuple[UUID, UUID]:
    saga, deployment = uuid4(), uuid4()
    request = DeploymentProvisioningRequested(slug=slug, region="fra1", size="s-1vcpu-1gb")
    await stack.send(topics.DEPLOYMENTS, saga_event(request, saga, deployment, "api"))
    reserved = SubscriptionReserved(subscription_id="sub-1", plan_code="studio", plan_version=1)
    await stack.send(topics.BILLING, saga_event(reserved, saga, deployment, "billing"))
    return saga, deployment


def tagged(state: dict[str, Any], saga: UUID) -> list[dict[str, Any]]:
    return [d for d in state["droplets"] if f"saga:{saga}" in d["tags"]]


async def test_droplet_then_dns_once_the_resource_is_linked(stack: ProvisionerStack) -> None:
    saga, deployment = await start_saga(stack)

    events = await stack.wait_for(saga, "DropletCreated", "DropletActive")
    active = next(e for e in events if e.type == "DropletActive")
    await stack.send(
        topics.INVENTORY,
        saga_event(ResourceLinked(resource_id="r1"), saga, deployment, "inventory"),
    )
    events = await stack.wait_for(saga, "DnsPointed")

    assert [e.type for e in events] == ["DropletCreated", "DropletActive", "DnsPointed"]
    state = await stack.sim_state()
    (droplet,) = tagged(state, saga)
    assert droplet["status"] == "active"
    records = [r for r in state["records"] if r["name"] == dns_name("shop", "acme")]
    assert len(records) == 1
    assert records[0]["data"] == droplet["ip"] == active.payload.ip_address  # type: ignore[attr-defined]


async def test_a_link_before_the_droplet_is_active_still_points_dns(
    stack: ProvisionerStack,
) -> None:
    saga, deployment = uuid4(), uuid4()
    link = ResourceLinked(resource_id="r1")
    await stack.send(topics.INVENTORY, saga_event(link, saga, deployment, "inventory"))
    request = DeploymentProvisioningRequested(slug="early", region="fra1", size="s-1vcpu-1gb")
    await stack.send(topics.DEPLOYMENTS, saga_event(request, saga, deployment, "api"))
    reserved = SubscriptionReserved(subscription_id="s", plan_code="studio", plan_version=1)
    await stack.send(topics.BILLING, saga_event(reserved, saga, deployment, "billing"))

    events = await stack.wait_for(saga, "DnsPointed")

    # DNS waited for the droplet: pointed after it was active, at its address, once.
    assert [e.type for e in events] == ["DropletCreated", "DropletActive", "DnsPointed"]
    active, pointed = events[1].payload, events[2].payload
    assert isinstance(active, DropletActive)
    assert isinstance(pointed, DnsPointed)
    state = await stack.sim_state()
    (droplet,) = tagged(state, saga)
    (record,) = [r for r in state["records"] if r["name"] == dns_name("early", "acme")]
    assert record["data"] == droplet["ip"] == active.ip_address == pointed.ip_address
    assert record["id"] == pointed.record_id


async def test_an_abort_destroys_the_droplet_and_reverts_dns(stack: ProvisionerStack) -> None:
    saga, deployment = await start_saga(stack, slug="doomed")
    await stack.wait_for(saga, "DropletActive")
    link = ResourceLinked(resource_id="r1")
    await stack.send(topics.INVENTORY, saga_event(link, saga, deployment, "inventory"))
    await stack.wait_for(saga, "DnsPointed")

    abort = ProvisioningAborted(failed_step="activate_deployment", reason="test")
    await stack.send(topics.DEPLOYMENTS, saga_event(abort, saga, deployment, "api"))
    await stack.send(topics.INVENTORY, saga_event(abort, saga, deployment, "inventory"))  # twice

    events = await stack.wait_for(saga, "DropletDestroyed", "DnsReverted")
    assert [e.type for e in events].count("DropletDestroyed") == 1
    state = await stack.sim_state()
    assert tagged(state, saga) == []
    assert [r for r in state["records"] if r["name"] == dns_name("doomed", "acme")] == []


async def test_an_abort_before_the_request_means_no_droplet_ever(stack: ProvisionerStack) -> None:
    saga, deployment = uuid4(), uuid4()
    abort = ProvisioningAborted(failed_step="reserve_subscription", reason="bad standing")
    await stack.send(topics.BILLING, saga_event(abort, saga, deployment, "billing"))
    await stack.wait_for(saga, "DropletDestroyed", "DnsReverted")
    request = DeploymentProvisioningRequested(slug="late", region="fra1", size="s-1vcpu-1gb")
    await stack.send(topics.DEPLOYMENTS, saga_event(request, saga, deployment, "api"))
    reserved = SubscriptionReserved(subscription_id="s", plan_code="studio", plan_version=1)
    await stack.send(topics.BILLING, saga_event(reserved, saga, deployment, "billing"))

    async def heard_both() -> bool:
        rows = await stack.rows(
            "SELECT requested AND reserved AS both FROM provisionings WHERE saga_id = $1", saga
        )
        return bool(rows and rows[0]["both"])

    # The request and the reservation are consumed: a droplet would be decided on right there,
    # in the same transaction (a create job), so no later look can change the answer.
    await eventually(heard_both, timeout_s=90)
    jobs = await stack.rows("SELECT kind FROM jobs WHERE saga_id = $1", saga)
    assert JobKind.CREATE_DROPLET not in {job["kind"] for job in jobs}
    assert tagged(await stack.sim_state(), saga) == []
    types = [e.type for e in await stack.published() if e.saga_id == saga]
    assert "DropletCreated" not in types


NEVER_ACTIVE_GIVES_UP = {"ARCADIA_PROVISIONER_DROPLET_ACTIVE_TIMEOUT_S": "3"}


@pytest.mark.parametrize(
    ("operation", "fault", "failed_step", "provisioner_env"),
    [
        ("droplets.create", 422, "create_droplet", {}),
        ("droplets.get", "errored", "wait_droplet_active", {}),
        # Here the deadline's expiry is the outcome under test, so it may be short.
        ("droplets.get", "never_active", "wait_droplet_active", NEVER_ACTIVE_GIVES_UP),
    ],
)
async def test_a_failing_step_aborts_and_leaves_nothing(
    stack: ProvisionerStack,
    operation: str,
    fault: object,
    failed_step: str,
    provisioner_env: dict[str, str],
) -> None:
    if operation == "droplets.get":  # lifecycle faults spoil a droplet that is still `new`
        async with httpx.AsyncClient(base_url=stack.sim) as client:
            await client.post("/_sim/config", json={"activation_delay_ms": 1000})
    await stack.fault(operation, fault, count=1000)
    saga, _ = await start_saga(stack, slug="faulty")

    events = await stack.wait_for(saga, "ProvisioningAborted", "DropletDestroyed", "DnsReverted")

    abort = next(e for e in events if e.type == "ProvisioningAborted")
    assert abort.payload.failed_step == failed_step  # type: ignore[attr-defined]
    assert tagged(await stack.sim_state(), saga) == []


async def test_a_create_that_times_out_after_the_work_makes_one_droplet(
    stack: ProvisionerStack,
) -> None:
    await stack.fault("droplets.create", "timeout", count=1)
    saga, _ = await start_saga(stack, slug="slow")

    await stack.wait_for(saga, "DropletActive")

    assert len(tagged(await stack.sim_state(), saga)) == 1


async def test_teardown_removes_dns_and_droplet(stack: ProvisionerStack) -> None:
    saga, deployment = await start_saga(stack, slug="gone")
    await stack.wait_for(saga, "DropletActive")
    link = ResourceLinked(resource_id="r1")
    await stack.send(topics.INVENTORY, saga_event(link, saga, deployment, "inventory"))
    await stack.wait_for(saga, "DnsPointed")

    teardown = uuid4()
    request = DeploymentTeardownRequested(to_state="cancelled")
    await stack.send(topics.DEPLOYMENTS, saga_event(request, teardown, deployment, "api"))

    await stack.wait_for(teardown, "DropletDestroyed", "DnsReverted")
    state = await stack.sim_state()
    assert tagged(state, saga) == []
    assert [r for r in state["records"] if r["name"] == dns_name("gone", "acme")] == []
