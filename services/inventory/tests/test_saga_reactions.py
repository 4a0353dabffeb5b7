"""Inventory's part of the provisioning saga, over real Kafka and PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest

from arcadia_contracts import decode, topics
from arcadia_contracts.events.deployments import ProvisioningAborted
from arcadia_contracts.events.inventory import ResourceLinked, ResourceRegistered, ResourceReleased
from arcadia_platform.sagas import MISSING_SAGA_ID
from arcadia_testing.plugin import eventually, read_topic
from services.inventory.tests.support import Inventory, Saga, next_droplet_id, payload_types

pytestmark = pytest.mark.integration

REGISTERED = ["ResourceRegistered", "ResourceLinked"]
ABORTING_TOPICS = (topics.BILLING, topics.DEPLOYMENTS, topics.PROVISIONER, topics.INVENTORY)


async def test_an_active_droplet_is_registered_linked_and_announced_in_order(
    inventory: Inventory,
) -> None:
    saga = Saga()
    droplet_id = next_droplet_id()
    cause = saga.droplet_active(droplet_id, size="s-2vcpu-4gb", ip_address="203.0.113.7")

    await inventory.publish(topics.PROVISIONER, cause)

    events = await inventory.wait_published(saga, 2)
    assert payload_types(events) == REGISTERED
    registered, linked = (event.payload for event in events)
    assert isinstance(registered, ResourceRegistered)
    assert isinstance(linked, ResourceLinked)
    assert registered.provider_id == str(droplet_id)
    assert registered.kind == "droplet"
    assert (registered.region, registered.size, registered.ip_address) == (
        "nyc3",
        "s-2vcpu-4gb",
        "203.0.113.7",
    )
    assert (registered.monthly_cost_cents, registered.currency) == (2400, "USD")
    assert linked.resource_id == registered.resource_id
    for event in events:
        assert event.producer == "inventory"
        assert (event.saga_id, event.deployment_id) == (saga.saga_id, saga.deployment_id)
        assert event.tenant_id == saga.tenant_id
        assert event.correlation_id == saga.correlation_id
        assert event.causation_id == cause.event_id
        assert event.key == str(saga.deployment_id).encode()
    (row,) = await inventory.resources(saga)
    assert str(row["id"]) == registered.resource_id
    assert row["status"] == "active"
    assert row["provider"] == "digitalocean"
    assert row["saga_id"] == saga.saga_id
    assert row["tenant_id"] == saga.tenant_id
    assert (row["linked_to"], row["unlinked_at"]) == (saga.deployment_id, None)


async def test_a_duplicate_delivery_and_a_redelivery_with_a_new_event_id_change_nothing(
    inventory: Inventory,
) -> None:
    saga = Saga()
    droplet_id = next_droplet_id()
    original = saga.droplet_active(droplet_id)
    await inventory.publish(topics.PROVISIONER, original)
    await inventory.wait_published(saga, 2)
    duplicates_before = inventory.runtime.consumer.duplicates  # type: ignore[union-attr]
    reissued = saga.droplet_active(droplet_id)  # the same fact under a new event id
    assert reissued.event_id != original.event_id

    await inventory.publish(topics.PROVISIONER, original, reissued)

    await inventory.wait_handled(reissued)  # same partition: the duplicate came before it
    assert inventory.runtime.consumer.duplicates == duplicates_before + 1  # type: ignore[union-attr]
    assert len(await inventory.resources(saga)) == 1
    assert payload_types(await inventory.published(saga)) == REGISTERED


async def test_an_abort_after_registration_releases_and_unlinks_the_resource_once(
    inventory: Inventory,
) -> None:
    saga = Saga()
    await inventory.publish(topics.PROVISIONER, saga.droplet_active(next_droplet_id()))
    registered = (await inventory.wait_published(saga, 2))[0].payload
    assert isinstance(registered, ResourceRegistered)

    await inventory.publish(topics.PROVISIONER, saga.aborted(topics.PROVISIONER))

    events = await inventory.wait_published(saga, 3)
    assert payload_types(events) == [*REGISTERED, "ResourceReleased"]
    released = events[2].payload
    assert isinstance(released, ResourceReleased)
    assert released.resource_id == registered.resource_id
    (row,) = await inventory.resources(saga)
    assert row["status"] == "released"
    assert row["released_at"] is not None
    assert row["unlinked_at"] is not None


async def test_an_abort_heard_before_the_droplet_is_active_is_remembered(
    inventory: Inventory,
) -> None:
    saga = Saga()
    await inventory.publish(topics.DEPLOYMENTS, saga.aborted(topics.DEPLOYMENTS, "deadline"))
    events = await inventory.wait_published(saga, 1)
    assert payload_types(events) == ["ResourceReleased"]
    assert events[0].payload == ResourceReleased(resource_id=None)
    assert events[0].saga_id == saga.saga_id

    late = saga.droplet_active(next_droplet_id())
    await inventory.publish(topics.PROVISIONER, late)

    await inventory.wait_handled(late)
    assert await inventory.resources(saga) == []
    assert payload_types(await inventory.published(saga)) == ["ResourceReleased"]


async def test_a_droplet_racing_its_sagas_abort_across_topics_ends_released_either_way(
    inventory: Inventory,
) -> None:
    saga = Saga()
    abort, droplet = saga.aborted(topics.DEPLOYMENTS), saga.droplet_active(next_droplet_id())

    await asyncio.gather(
        inventory.publish(topics.DEPLOYMENTS, abort),
        inventory.publish(topics.PROVISIONER, droplet),
    )

    await inventory.wait_handled(abort, droplet)
    kinds = payload_types(await inventory.published(saga))
    assert kinds in ([*REGISTERED, "ResourceReleased"], ["ResourceReleased"])
    assert [row["status"] for row in await inventory.resources(saga)] == (
        ["released"] if len(kinds) == 3 else []
    )


async def test_aborts_heard_on_every_topic_release_once_and_report_once(
    inventory: Inventory,
) -> None:
    saga = Saga()
    await inventory.publish(topics.PROVISIONER, saga.droplet_active(next_droplet_id()))
    await inventory.wait_published(saga, 2)
    aborts = {topic: saga.aborted(topic) for topic in ABORTING_TOPICS}

    for topic, abort in aborts.items():
        await inventory.publish(topic, abort)

    await inventory.wait_handled(*aborts.values())
    events = await inventory.published(saga)
    assert payload_types(events) == [*REGISTERED, "ResourceReleased"]
    (row,) = await inventory.resources(saga)
    assert row["status"] == "released"


async def test_a_teardown_releases_the_deployments_resource_and_reports_it(
    inventory: Inventory,
) -> None:
    saga = Saga()
    await inventory.publish(topics.PROVISIONER, saga.droplet_active(next_droplet_id()))
    registered = (await inventory.wait_published(saga, 2))[0].payload
    assert isinstance(registered, ResourceRegistered)

    await inventory.publish(topics.DEPLOYMENTS, saga.teardown("archived"))

    events = await inventory.wait_published(saga, 3)
    assert events[2].payload == ResourceReleased(resource_id=registered.resource_id)
    (row,) = await inventory.resources(saga)
    assert (row["status"], row["release_reason"]) == ("released", "deployment archived")
    assert row["unlinked_at"] is not None


async def test_a_teardown_of_a_deployment_without_resources_reports_nothing_released(
    inventory: Inventory,
) -> None:
    saga = Saga()

    await inventory.publish(topics.DEPLOYMENTS, saga.teardown())

    events = await inventory.wait_published(saga, 1)
    assert [event.payload for event in events] == [ResourceReleased(resource_id=None)]


async def test_a_second_droplet_for_a_deployment_aborts_the_saga_from_the_inventory_step(
    inventory: Inventory,
) -> None:
    first = Saga()
    await inventory.publish(topics.PROVISIONER, first.droplet_active(next_droplet_id()))
    await inventory.wait_published(first, 2)
    second = Saga(tenant_id=first.tenant_id, deployment_id=first.deployment_id)

    await inventory.publish(topics.PROVISIONER, second.droplet_active(next_droplet_id()))

    events = await inventory.wait_published(first, 4)
    assert payload_types(events) == [*REGISTERED, "ProvisioningAborted", "ResourceReleased"]
    abort, report = events[2], events[3]
    assert isinstance(abort.payload, ProvisioningAborted)
    assert abort.payload.failed_step == "register_inventory"
    assert "already holds" in abort.payload.reason
    assert abort.saga_id == report.saga_id == second.saga_id
    assert report.payload == ResourceReleased(resource_id=None)
    rows = await inventory.resources(first)
    assert [(row["saga_id"], row["status"]) for row in rows] == [(first.saga_id, "active")]
    # Its own abort comes back on the inventory topic: already compensated, nothing more.
    await inventory.wait_handled(abort)
    assert len(await inventory.published(first)) == 4


async def test_an_abort_without_a_saga_id_is_dead_lettered_not_guessed_at(
    inventory: Inventory,
) -> None:
    saga = Saga()
    nameless = saga.event(
        ProvisioningAborted(failed_step="point_dns", reason="x"), "provisioner", saga_id=None
    )

    await inventory.publish(topics.PROVISIONER, nameless)

    dlq = inventory.names.physical(topics.dlq(topics.PROVISIONER))

    async def dead_lettered() -> list[dict[str, str]]:
        records = await read_topic(inventory.infra.kafka, dlq)
        ours = [r for r in records if decode(r.value).event_id == nameless.event_id]
        return [{k: v.decode() for k, v in r.headers} for r in ours]

    (headers,) = await eventually(dead_lettered)
    # The one policy for a saga event without its saga (arcadia_platform.sagas).
    assert headers["dlq-reason"] == MISSING_SAGA_ID
    assert "carries no saga_id" in headers["dlq-detail"]
    assert await inventory.published(saga) == []
