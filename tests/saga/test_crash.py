"""Invariant 5: `kill -9` of any service at several points mid-saga, then a restart."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest

from arcadia_testing.plugin import eventually, unique
from arcadia_testing.stack import Stack
from tests.saga.test_delivery import HAPPY_OUTBOX
from tests.saga.test_saga import assert_completed

CASES = [
    # (service, crash point): the process dies there once, like kill -9, and is restarted.
    ("billing", "consumer.after_commit"),  # reserved, offset not committed
    ("billing", "relay.after_publish"),  # SubscriptionReserved acked by Kafka, not marked sent
    ("provisioner", "provisioner.after_provider_call"),  # droplet created, not recorded
    ("provisioner", "provisioner.after_provider_call*2"),  # DNS record made, not recorded
    ("provisioner", "consumer.after_commit*2"),
    ("provisioner", "relay.after_publish"),
    ("inventory", "consumer.after_commit"),
    ("inventory", "relay.after_publish"),
    ("api", "consumer.after_commit*3"),
    ("api", "relay.after_publish"),
]


async def provision_through_crash(
    stack: Stack, client: httpx.AsyncClient, tenant: str, slug: str, key: str
) -> tuple[str, str]:
    """POST with an Idempotency-Key, retried until the (restarted) gateway answers it."""

    async def answered() -> tuple[str, str] | None:
        try:
            return await stack.provision(client, tenant, slug, key=key)
        except httpx.TransportError:
            return None

    result: tuple[str, str] = await eventually(answered, timeout_s=60, interval_s=0.3)
    return result


@pytest.mark.parametrize(("service", "point"), CASES)
async def test_a_killed_service_restarts_and_the_saga_still_holds(
    stack: Stack, client: httpx.AsyncClient, service: str, point: str
) -> None:
    proc = stack.processes[service]
    proc.stop()
    await stack.start(service, {f"ARCADIA_{service.upper()}_FAULTS": point})
    tenant, slug = unique("crash").replace("_", "-"), "shop"
    key = str(uuid.uuid4())
    started = asyncio.create_task(provision_through_crash(stack, client, tenant, slug, key))

    assert proc.proc is not None
    exit_code = await asyncio.to_thread(proc.proc.wait, 60)
    assert exit_code == 137, proc.output()[-2000:]
    await stack.start(service)  # no fault this time
    deployment_id, saga_id = await started

    detail = await stack.wait_terminal(client, tenant, deployment_id, saga_id, timeout_s=90)
    holdings = await stack.settled_holdings(client, tenant, slug, deployment_id, saga_id)
    assert_completed(detail, holdings)
    for owner, expected in HAPPY_OUTBOX.items():
        assert await stack.outbox_types(owner, deployment_id) == expected, owner
