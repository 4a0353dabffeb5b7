"""/metrics on every service, against a real stack: one saga (and one replayed request, one
poison record) moves the counters by exactly what it did, and the scrape-time gauges read the
settled world (no backlog, no lag)."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer
from prometheus_client.parser import text_string_to_metric_families

from arcadia_contracts import topics
from arcadia_testing.plugin import eventually, unique
from arcadia_testing.stack import SERVICES, Stack
from tests.saga.conftest import PATIENT

STACK_ENV = PATIENT
Samples = dict[str, dict[frozenset[tuple[str, str]], float]]


async def scrape(client: httpx.AsyncClient, stack: Stack, service: str) -> Samples:
    response = await client.get(f"{stack.url(service)}/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    samples: Samples = defaultdict(dict)
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[sample.name][frozenset(sample.labels.items())] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get(name, {}).get(frozenset(labels.items()), 0.0)


def moved(before: Samples, after: Samples, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


async def scrape_all(client: httpx.AsyncClient, stack: Stack) -> dict[str, Samples]:
    return {service: await scrape(client, stack, service) for service in SERVICES}


# One saga: the event each service handles once, as its step's trigger.
HANDLED_ONCE = {
    "billing": "DeploymentProvisioningRequested",
    "provisioner": "SubscriptionReserved",
    "inventory": "DropletActive",
    "api": "DnsPointed",
}
PROVISION_STEPS_OBSERVED = (
    "reserve_subscription",
    "create_droplet",
    "wait_droplet_active",
    "register_inventory",
    "link_resource",
    "point_dns",
)


async def test_a_saga_moves_every_services_metrics(stack: Stack, client: httpx.AsyncClient) -> None:
    before = await scrape_all(client, stack)
    tenant, key = unique("metrics").replace("_", "-"), unique("key")
    deployment_id, saga_id = await stack.provision(client, tenant, "shop", key=key)
    # The same request with the same Idempotency-Key: answered from the stored answer.
    assert await stack.provision(client, tenant, "shop", key=key) == (deployment_id, saga_id)
    detail = await stack.wait_terminal(client, tenant, deployment_id, saga_id, timeout_s=120)
    assert detail["deployment"]["state"] == "active"
    await eventually(stack.quiescent, timeout_s=30, interval_s=0.2)
    after = await scrape_all(client, stack)

    for service, event_type in HANDLED_ONCE.items():
        labels = {"consumer": service, "event_type": event_type}
        assert moved(before[service], after[service], "arcadia_events_handled_total",
                     outcome="ok", **labels) == 1, service  # fmt: skip
        assert moved(before[service], after[service], "arcadia_event_handler_seconds_count",
                     **labels) == 1, service  # fmt: skip
        # Settled: nothing waits in the outbox, every assigned partition is handled to its end.
        assert value(after[service], "arcadia_outbox_backlog") == 0
        assert value(after[service], "arcadia_outbox_parked") == 0
        assert value(after[service], "arcadia_outbox_oldest_unsent_age_seconds") == 0
        lags = after[service]["arcadia_consumer_lag"]
        assert lags, service
        assert set(lags.values()) == {0.0}, (service, lags)
        assert {dict(k)["consumer"] for k in lags} == {service}

    api_before, api = before["api"], after["api"]
    assert moved(api_before, api, "arcadia_idempotency_replays_total") == 1
    assert moved(api_before, api, "arcadia_requests_total", app_name="api", method="POST",
                 path="/api/v1/deployments", status_code="202") == 2  # fmt: skip
    assert value(api, "arcadia_sagas", kind="provision", status="completed") == 1
    assert value(api, "arcadia_sagas", kind="provision", status="running") == 0
    for step in PROVISION_STEPS_OBSERVED:
        assert moved(api_before, api, "arcadia_saga_step_seconds_count", step=step) == 1, step

    provisioner_before, provisioner = before["provisioner"], after["provisioner"]
    # The droplet and the DNS record: one create each, both accepted.
    assert moved(provisioner_before, provisioner, "arcadia_provider_calls_total",
                 method="POST", outcome="ok") == 2  # fmt: skip
    waits = provisioner["arcadia_provider_rate_limit_wait_seconds_total"]
    assert {dict(k)["source"] for k in waits} == {"limiter", "retry_after"}

    # Every line each service wrote (ours, uvicorn's, FastStream's, aiokafka's...) is JSON.
    for service in SERVICES:
        for line in stack.processes[service].output().splitlines():
            assert isinstance(json.loads(line), dict), (service, line)


async def test_a_poison_record_counts_one_dead_letter(
    stack: Stack, client: httpx.AsyncClient
) -> None:
    before = await scrape(client, stack, "billing")
    producer = AIOKafkaProducer(bootstrap_servers=stack.infra.kafka)
    await producer.start()
    try:
        await producer.send_and_wait(
            f"{stack.namespace}.{topics.PAYMENTS}", value=b"not an event", key=b"k"
        )
    finally:
        await producer.stop()

    async def counted() -> Any:
        after = await scrape(client, stack, "billing")
        dlq = after.get("arcadia_dlq_sent_total", {})
        grown = {k: v - before.get("arcadia_dlq_sent_total", {}).get(k, 0) for k, v in dlq.items()}
        return {k: v for k, v in grown.items() if v} or None

    grown = await eventually(counted, timeout_s=30, interval_s=0.2)
    ((labels, count),) = grown.items()
    assert count == 1
    assert dict(labels) == {
        "consumer": "billing",
        "topic": f"{stack.namespace}.{topics.PAYMENTS}",
        "reason": "undecodable",
    }
