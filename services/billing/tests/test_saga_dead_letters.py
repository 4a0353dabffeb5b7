"""A saga event without a saga id is dead-lettered as `missing_saga_id` (real Kafka), not dropped."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
import pytest

from arcadia_contracts import Envelope, decode, topics
from arcadia_contracts.events.deployments import ProvisioningAborted
from arcadia_contracts.topics import dlq
from arcadia_platform.sagas import MISSING_SAGA_ID
from arcadia_testing.plugin import eventually, read_topic
from services.billing.tests.support import BillingStack, event, ids
from services.billing.tests.test_payment_validation import inbox_rows
from services.billing.tests.test_saga_reactions import request


async def dead_lettered(billing: BillingStack, topic: str, bad: Envelope) -> dict[str, bytes]:
    """The headers of `bad`'s DLQ entry, once it is there."""

    async def found() -> list[Any]:
        records = await read_topic(billing.kafka, billing.names.physical(dlq(topic)))
        return [r for r in records if decode(r.value).event_id == bad.event_id]

    (record,) = await eventually(found, timeout_s=30)
    return dict(record.headers)


def without_saga(envelope: Envelope) -> Envelope:
    return msgspec.structs.replace(envelope, saga_id=None)


async def test_a_provisioning_request_without_a_saga_id_is_dead_lettered_and_reserves_nothing(
    billing: BillingStack,
) -> None:
    tenant, deployment = ids()
    orphan = without_saga(request(tenant, deployment, uuid.uuid4()))

    await billing.publish(topics.DEPLOYMENTS, orphan)

    headers = await dead_lettered(billing, topics.DEPLOYMENTS, orphan)
    assert headers["dlq-reason"] == MISSING_SAGA_ID.encode()
    assert await inbox_rows(billing, orphan.event_id) == 0
    assert await billing.subscription(tenant, deployment) is None
    # The consumer goes on: the same request with its saga id is reserved.
    await billing.deliver(topics.DEPLOYMENTS, request(tenant, deployment, uuid.uuid4()))
    reserved = await billing.subscription(tenant, deployment)
    assert reserved is not None
    assert reserved["status"] == "pending"


@pytest.mark.parametrize("topic", [topics.DEPLOYMENTS, topics.PROVISIONER])
async def test_an_abort_without_a_saga_id_is_dead_lettered(
    billing: BillingStack, topic: str
) -> None:
    tenant, deployment = ids()
    orphan = event(
        ProvisioningAborted(failed_step="create_droplet", reason="quota"),
        tenant_id=tenant,
        deployment_id=deployment,
        producer="provisioner",
    )

    await billing.publish(topic, orphan)

    headers = await dead_lettered(billing, topic, orphan)
    assert headers["dlq-reason"] == MISSING_SAGA_ID.encode()
    assert await inbox_rows(billing, orphan.event_id) == 0
    held = "SELECT count(*) FROM sagas WHERE deployment_id = $1"
    assert await billing.fetchval(held, deployment) == 0
