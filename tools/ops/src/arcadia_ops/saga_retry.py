"""`arcadia saga retry ID --step S`: send a step's trigger again, so its performer runs the step's
own idempotent handler.

Every event-driven step starts when its performer hears one event of the step before (e.g. billing
reserves the subscription on `DeploymentProvisioningRequested`). The retry finds that event of the
saga in its producer's outbox (the very bytes it published) and looks in the performer's inbox:

- already handled: nothing is sent (the inbox would skip it anyway); the step is stuck elsewhere,
  and `arcadia saga show` tells where;
- not handled (lost, dead-lettered, or the performer is behind): the original key, value and
  headers go back to the producer's topic with an `arcadia-retried-step` header. The inbox makes
  it take effect once, however often it is retried.

`wait_droplet_active` has no trigger event (the provisioner's durable job polls the provider), so
it cannot be retried this way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Final

import asyncpg
from aiokafka import AIOKafkaProducer

from arcadia_ops.collect import READ_ONLY
from arcadia_ops.places import Places

RETRIED_STEP: Final = "arcadia-retried-step"


@dataclass(frozen=True)
class Trigger:
    event_type: str
    producer: str  # the service whose outbox (and topic) holds it
    performer: str  # the service whose inbox takes it


TEARDOWN_TRIGGER = "DeploymentTeardownRequested"
TRIGGERS: Final = {
    "reserve_subscription": Trigger("DeploymentProvisioningRequested", "api", "billing"),
    "create_droplet": Trigger("SubscriptionReserved", "billing", "provisioner"),
    "register_inventory": Trigger("DropletActive", "provisioner", "inventory"),
    "link_resource": Trigger("DropletActive", "provisioner", "inventory"),
    "point_dns": Trigger("ResourceLinked", "inventory", "provisioner"),
    "activate_deployment": Trigger("DnsPointed", "provisioner", "api"),
    "remove_dns": Trigger(TEARDOWN_TRIGGER, "api", "provisioner"),
    "destroy_droplet": Trigger(TEARDOWN_TRIGGER, "api", "provisioner"),
    "release_resource": Trigger(TEARDOWN_TRIGGER, "api", "inventory"),
    "cancel_subscription": Trigger(TEARDOWN_TRIGGER, "api", "billing"),
}
OPEN: Final = ("running",)


class RetryRefused(Exception):
    """The step cannot be retried; the message says why and what to look at."""


@dataclass(frozen=True)
class Retry:
    saga_id: str
    step: str
    trigger: str
    event_id: str
    topic: str
    performer: str
    handled_at: datetime | None  # the performer's inbox took it already: nothing sent
    sent: bool
    partition: int | None = None
    offset: int | None = None


TRIGGER_ROW = """
SELECT event_id::text AS event_id, topic, key, value, headers::text AS headers, sent_at
FROM outbox
WHERE headers->>'event-type' = $2
  AND (convert_from(value, 'UTF8')::jsonb ->> 'saga_id') = $1
ORDER BY id LIMIT 1
"""


async def _fetchrow(url: str, sql: str, *args: object) -> asyncpg.Record | None:
    conn = await asyncpg.connect(url, server_settings=READ_ONLY)
    try:
        return await conn.fetchrow(sql, *args)
    finally:
        await conn.close()


async def retry_step(places: Places, saga_id: str, step: str, *, dry_run: bool) -> Retry:
    trigger = TRIGGERS.get(step)
    if trigger is None:
        raise RetryRefused(
            f"step {step!r} cannot be retried by an event; retryable: {', '.join(TRIGGERS)}"
        )
    saga = await _fetchrow(
        places.databases["api"], "SELECT status FROM sagas WHERE id::text = $1", saga_id
    )
    if saga is None:
        raise RetryRefused(f"no saga {saga_id}")
    if saga["status"] not in OPEN:
        raise RetryRefused(f"saga {saga_id} is {saga['status']}: only a running saga is retried")
    row = await _fetchrow(
        places.databases[trigger.producer], TRIGGER_ROW, saga_id, trigger.event_type
    )
    if row is None:
        raise RetryRefused(
            f"{trigger.producer} never committed {trigger.event_type} for saga {saga_id}:"
            f" the step before {step} is not done (arcadia saga show {saga_id})"
        )
    handled = await _fetchrow(
        places.databases[trigger.performer],
        "SELECT processed_at FROM inbox WHERE consumer = $1 AND event_id = $2::uuid",
        trigger.performer,
        row["event_id"],
    )
    retry = Retry(
        saga_id,
        step,
        trigger.event_type,
        row["event_id"],
        places.names.logical(row["topic"]),
        trigger.performer,
        handled["processed_at"] if handled else None,
        sent=False,
    )
    if handled is not None or dry_run:
        return retry
    headers = [(k, str(v).encode()) for k, v in json.loads(row["headers"]).items()]
    producer = AIOKafkaProducer(
        bootstrap_servers=places.kafka_bootstrap_servers, acks="all", enable_idempotence=True
    )
    await producer.start()
    try:
        meta = await producer.send_and_wait(
            row["topic"],
            key=bytes(row["key"]) if row["key"] is not None else None,
            value=bytes(row["value"]),
            headers=[*headers, (RETRIED_STEP, step.encode())],
        )
    finally:
        await producer.stop()
    return Retry(
        **{**vars(retry), "sent": True, "partition": meta.partition, "offset": meta.offset}
    )
