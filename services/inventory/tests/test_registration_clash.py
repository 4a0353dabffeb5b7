"""A provider id already registered elsewhere fails the register step at once, over Kafka and PG."""

from __future__ import annotations

import pytest

from arcadia_contracts import topics
from arcadia_contracts.events.deployments import ProvisioningAborted
from arcadia_contracts.events.inventory import ResourceReleased
from services.inventory.tests.support import Inventory, Saga, next_droplet_id, payload_types

pytestmark = pytest.mark.integration

REGISTERED = ["ResourceRegistered", "ResourceLinked"]


async def registered(inventory: Inventory, saga: Saga, droplet_id: int) -> None:
    await inventory.publish(topics.PROVISIONER, saga.droplet_active(droplet_id))
    assert payload_types(await inventory.wait_published(saga, 2)) == REGISTERED


async def rejected_reason(inventory: Inventory, saga: Saga) -> str:
    """The reason of the abort inventory announced for `saga`, once it also reported its undo."""
    events = await inventory.wait_published(saga, 2)
    assert payload_types(events) == ["ProvisioningAborted", "ResourceReleased"]
    abort, report = events
    assert isinstance(abort.payload, ProvisioningAborted)
    assert abort.payload.failed_step == "register_inventory"
    assert abort.saga_id == report.saga_id == saga.saga_id
    assert abort.producer == "inventory"
    assert report.payload == ResourceReleased(resource_id=None)
    return abort.payload.reason


async def test_an_id_held_by_another_tenants_deployment_fails_the_step_at_once(
    inventory: Inventory,
) -> None:
    owner, newcomer = Saga(), Saga()
    droplet_id = next_droplet_id()
    await registered(inventory, owner, droplet_id)

    await inventory.publish(topics.PROVISIONER, newcomer.droplet_active(droplet_id))

    reason = await rejected_reason(inventory, newcomer)
    assert f"provider id clash: droplet {droplet_id}" in reason
    assert "already registered to another deployment (active)" in reason
    # The tenant who reads the saga's step error learns nothing about the other one.
    assert str(owner.deployment_id) not in reason
    assert owner.tenant_id not in reason
    assert await inventory.resources(newcomer) == []
    (row,) = await inventory.resources(owner)
    assert (row["status"], row["saga_id"], row["unlinked_at"]) == ("active", owner.saga_id, None)
    assert payload_types(await inventory.published(owner)) == REGISTERED


async def test_an_id_of_a_released_resource_is_still_not_free(inventory: Inventory) -> None:
    owner, newcomer = Saga(), Saga()
    droplet_id = next_droplet_id()
    await registered(inventory, owner, droplet_id)
    await inventory.publish(topics.PROVISIONER, owner.aborted(topics.PROVISIONER))
    await inventory.wait_published(owner, 3)

    await inventory.publish(topics.PROVISIONER, newcomer.droplet_active(droplet_id))

    reason = await rejected_reason(inventory, newcomer)
    assert "already registered to another deployment (released)" in reason
    assert await inventory.resources(newcomer) == []


async def test_an_id_held_by_another_saga_of_the_same_deployment_is_a_clash_too(
    inventory: Inventory,
) -> None:
    first = Saga()
    second = Saga(tenant_id=first.tenant_id, deployment_id=first.deployment_id)
    droplet_id = next_droplet_id()
    await registered(inventory, first, droplet_id)

    await inventory.publish(topics.PROVISIONER, second.droplet_active(droplet_id))

    events = await inventory.wait_published(first, 4)  # same deployment: one event stream
    assert payload_types(events) == [*REGISTERED, "ProvisioningAborted", "ResourceReleased"]
    abort = events[2]
    assert isinstance(abort.payload, ProvisioningAborted)
    assert abort.saga_id == second.saga_id
    assert "already registered to another saga of this deployment" in abort.payload.reason
    rows = await inventory.resources(first)
    assert [(row["saga_id"], row["status"]) for row in rows] == [(first.saga_id, "active")]


async def test_the_same_saga_announcing_its_droplet_again_stays_a_no_op(
    inventory: Inventory,
) -> None:
    saga = Saga()
    droplet_id = next_droplet_id()
    await registered(inventory, saga, droplet_id)
    again = saga.droplet_active(droplet_id)  # a new event id: the inbox does not catch it

    await inventory.publish(topics.PROVISIONER, again)

    await inventory.wait_handled(again)
    assert payload_types(await inventory.published(saga)) == REGISTERED
    (row,) = await inventory.resources(saga)
    assert row["status"] == "active"
