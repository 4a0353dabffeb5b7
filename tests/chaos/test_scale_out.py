"""Two instances of every service (one database and one consumer group per service, two HTTP
ports) run the saga load correctly: every saga ends, nothing is done twice, the services agree.

On the shared broker and server (nothing is killed here). What two instances could break: two
relays publishing one key out of order or twice, two job workers calling the provider for one
saga, two deadline timers aborting one saga twice, two consumers of a group handling one event
twice. Some droplets fail to boot, so compensation runs across the instances as well.
"""

from __future__ import annotations

import collections
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from arcadia_contracts import decode, topics
from arcadia_ops.invariants import check
from arcadia_testing.plugin import Infra, ServiceProcess, eventually, read_topic
from arcadia_testing.saga_driver import SagaDriver
from arcadia_testing.stack import SERVICES, Stack, drop_stack, start_stack
from tests.chaos.conftest import ACTIVATION_DELAY_MS, CHAOS_ENV
from tests.saga.test_delivery import HAPPY_OUTBOX

INSTANCES = 2
SAGAS = 120
# Droplets that turn `errored` while booting: the provisioner aborts their sagas.
ERRORED = 8
# Droplets that never finish booting: the gateway's step deadline aborts their sagas first (its
# deadline timer runs in both gateways, and each saga must be aborted once). The deadline is far
# above what a step takes even on a loaded machine, so no other saga meets it.
STUCK = 4
ENV = {
    **CHAOS_ENV,
    "ARCADIA_API_SAGA_STEP_TIMEOUT_S": "30",
    "ARCADIA_PROVISIONER_DROPLET_ACTIVE_TIMEOUT_S": "120",
}
# What each service logs when it did a piece of saga work (the api: sagas its consumer finished).
WORK_EVENTS = {
    "api": "saga.completed",
    "billing": "subscription.reserved",
    "inventory": "resource.registered",
    "provisioner": "job.done",
}


@pytest.fixture
async def stack(infra: Infra, tmp_path: Path) -> AsyncIterator[Stack]:
    def make(args: list[str], env: dict[str, str], name: str) -> ServiceProcess:
        return ServiceProcess(args, env, tmp_path / f"{name}.log")

    running = await start_stack(infra, make, env=ENV, instances=INSTANCES)
    try:
        yield running
    finally:
        await drop_stack(infra, running)


async def stuck_sagas(stack: Stack) -> list[str]:
    """The sagas the gateway aborted on a deadline."""
    rows = await stack.rows(
        "api",
        "SELECT id::text AS id FROM sagas WHERE status = 'compensated'"
        " AND failed_step = 'wait_droplet_active' AND reason LIKE '%exceeded its deadline'",
    )
    return [row["id"] for row in rows]


async def aborts_by_the_gateway(stack: Stack) -> dict[str, int]:
    """How many ProvisioningAborted events the gateways committed, per saga."""
    rows = await stack.rows("api", "SELECT value FROM outbox ORDER BY id")
    events = [decode(row["value"]) for row in rows]
    return dict(
        collections.Counter(str(e.saga_id) for e in events if e.type == "ProvisioningAborted")
    )


def work_done(stack: Stack, name: str, service: str) -> int:
    """How many pieces of saga work one process logged."""
    pattern = re.compile(rf'"event": "{re.escape(WORK_EVENTS[service])}"')
    return len(pattern.findall(stack.processes[name].output()))


async def test_two_instances_of_every_service_run_the_saga_load_correctly(stack: Stack) -> None:
    assert len(stack.apis) == INSTANCES
    async with httpx.AsyncClient(timeout=30) as client:
        await stack.sim_config(client, activation_delay_ms=ACTIVATION_DELAY_MS)
        await stack.sim_fault(client, "droplets.get", "errored", count=ERRORED)
        await stack.sim_fault(client, "droplets.get", "never_active", count=STUCK)
        for name in stack.processes:
            if name != "cloudsim":
                assert (await client.get(f"{stack.url(name)}/ready")).status_code == 200, name

        runs = await SagaDriver(stack, concurrency=40).run(SAGAS, timeout_s=240)

        # Each errored fault spoils one fresh droplet. A stuck droplet stays `new`, so its own
        # later reads may use up the remaining never_active faults: 1 to STUCK sagas get stuck.
        stuck = await stuck_sagas(stack)
        assert 1 <= len(stuck) <= STUCK
        statuses = collections.Counter(run.status for run in runs)
        assert statuses == {
            "completed": SAGAS - ERRORED - len(stuck),
            "compensated": ERRORED + len(stuck),
        }
        assert await aborts_by_the_gateway(stack) == dict.fromkeys(stuck, 1)
        await eventually(stack.quiescent, timeout_s=60, interval_s=0.5)
        assert await check(stack.sources()) == []
        # Each event was handled once, though two consumers share each group and two relays
        # share each outbox: every service committed each of its events once per saga.
        for run in [r for r in runs if r.status == "completed"][:20]:
            for service, expected in HAPPY_OUTBOX.items():
                assert await stack.outbox_types(service, run.deployment_id) == expected, service
        for topic in topics.ALL_TOPICS:
            if topic.endswith(topics.DLQ_SUFFIX):
                assert await read_topic(stack.infra.kafka, f"{stack.namespace}.{topic}") == []

    # The load was really shared: every instance of every service did saga work.
    for service in SERVICES:
        for name in stack.names(service):
            assert work_done(stack, name, service) > 0, name
    for name, proc in stack.processes.items():
        assert proc.proc is not None
        assert proc.proc.poll() is None, f"{name} exited:\n{proc.output()[-3000:]}"
