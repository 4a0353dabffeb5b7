"""The provisioner's reactions with an in-memory store: facts in any order, abort remembered."""

from __future__ import annotations

from typing import cast
from uuid import UUID, uuid4

import pytest

from arcadia_contracts import Envelope, Event, envelope
from arcadia_contracts.events.billing import SubscriptionReserved
from arcadia_contracts.events.deployments import (
    DeploymentProvisioningRequested,
    DeploymentTeardownRequested,
    ProvisioningAborted,
)
from arcadia_contracts.events.inventory import ResourceLinked
from arcadia_platform.consumer import InvalidEventError
from arcadia_platform.db import Connection
from arcadia_platform.outbox import Outbox
from arcadia_platform.sagas import MISSING_SAGA_ID
from arcadia_platform.topicnames import TopicNames
from arcadia_provisioner.config import ProvisionerSettings
from arcadia_provisioner.domain.model import JobKind
from arcadia_provisioner.handlers.saga import SagaReactions
from services.provisioner.tests.fakes import InMemoryStore

# The reactions reach the database only through the store, which the test replaces.
NO_CONNECTION = cast(Connection, None)


class Reactions:
    def __init__(self) -> None:
        self.store = InMemoryStore()
        self.saga_id = uuid4()
        self.deployment_id = uuid4()
        self.handlers = SagaReactions(
            ProvisionerSettings(),
            Outbox(TopicNames()),
            store=lambda _conn, _outbox: self.store,
        )

    def event(self, payload: Event, saga_id: UUID | None = None) -> Envelope:
        return envelope(
            payload,
            producer="test",
            tenant_id="acme",
            deployment_id=self.deployment_id,
            saga_id=saga_id or self.saga_id,
        )

    def kinds(self) -> set[JobKind]:
        return {job.kind for job in self.store.jobs.values()}


REQUEST = DeploymentProvisioningRequested(slug="shop", region="fra1", size="s-1vcpu-1gb")
RESERVED = SubscriptionReserved(subscription_id="sub-1", plan_code="studio", plan_version=1)


@pytest.mark.parametrize("reserved_first", [False, True])
async def test_the_droplet_is_scheduled_once_both_request_and_reservation_are_in(
    reserved_first: bool,
) -> None:
    world = Reactions()
    first, second = (RESERVED, REQUEST) if reserved_first else (REQUEST, RESERVED)
    on = {
        DeploymentProvisioningRequested: world.handlers.provisioning_requested,
        SubscriptionReserved: world.handlers.subscription_reserved,
    }

    await on[type(first)](NO_CONNECTION, world.event(first))
    assert world.kinds() == set()
    await on[type(second)](NO_CONNECTION, world.event(second))

    assert world.kinds() == {JobKind.CREATE_DROPLET}
    assert world.store.provisionings[world.saga_id].slug == "shop"


@pytest.mark.parametrize("reserved_first", [False, True])
async def test_the_reserved_plan_decides_the_droplet_size_in_either_order(
    reserved_first: bool,
) -> None:
    world = Reactions()
    request = DeploymentProvisioningRequested(slug="shop", region="fra1", size="s-8vcpu-32gb")
    reserved = SubscriptionReserved(
        subscription_id="sub-1", plan_code="studio", plan_version=1, droplet_size="s-1vcpu-1gb"
    )
    handlers = world.handlers
    if reserved_first:
        await handlers.subscription_reserved(NO_CONNECTION, world.event(reserved))
    await handlers.provisioning_requested(NO_CONNECTION, world.event(request))
    if not reserved_first:
        await handlers.subscription_reserved(NO_CONNECTION, world.event(reserved))

    row = world.store.provisionings[world.saga_id]
    assert row.droplet_size == "s-1vcpu-1gb"  # the plan's, not the request's
    old_billing = Reactions()  # a reservation without a size: the request's
    await old_billing.handlers.provisioning_requested(NO_CONNECTION, old_billing.event(request))
    await old_billing.handlers.subscription_reserved(NO_CONNECTION, old_billing.event(RESERVED))
    assert old_billing.store.provisionings[old_billing.saga_id].droplet_size == "s-8vcpu-32gb"


async def test_an_abort_before_the_request_means_the_droplet_is_never_scheduled() -> None:
    world = Reactions()
    abort = ProvisioningAborted(failed_step="reserve_subscription", reason="no credit")

    await world.handlers.provisioning_aborted(NO_CONNECTION, world.event(abort))
    await world.handlers.provisioning_requested(NO_CONNECTION, world.event(REQUEST))
    await world.handlers.subscription_reserved(NO_CONNECTION, world.event(RESERVED))

    assert world.kinds() == {JobKind.COMPENSATE}
    assert (
        world.store.provisionings[world.saga_id].abort_reason == "reserve_subscription: no credit"
    )


async def test_a_link_points_dns_only_once_the_droplet_is_active() -> None:
    world = Reactions()
    await world.handlers.resource_linked(
        NO_CONNECTION, world.event(ResourceLinked(resource_id="r"))
    )
    assert world.kinds() == set()
    await world.store.update_provisioning(world.saga_id, {"droplet_active": True})

    await world.handlers.resource_linked(
        NO_CONNECTION, world.event(ResourceLinked(resource_id="r"))
    )

    assert world.kinds() == {JobKind.POINT_DNS}


async def test_a_teardown_names_the_provisioning_it_undoes() -> None:
    world = Reactions()
    await world.store.open_provisioning(
        world.saga_id, world.deployment_id, "acme", {"dns_pointed": True}
    )
    teardown_saga = uuid4()

    await world.handlers.teardown_requested(
        NO_CONNECTION,
        world.event(DeploymentTeardownRequested(to_state="cancelled"), saga_id=teardown_saga),
    )

    assert world.store.teardowns[teardown_saga].provisioning_saga == world.saga_id
    assert world.store.job_of(teardown_saga, JobKind.TEARDOWN) is not None


async def test_a_saga_event_without_a_saga_id_is_dead_lettered_not_dropped() -> None:
    world = Reactions()
    orphan = envelope(REQUEST, producer="test", tenant_id="acme", deployment_id=uuid4())

    with pytest.raises(InvalidEventError) as raised:
        await world.handlers.provisioning_requested(NO_CONNECTION, orphan)

    assert raised.value.reason == MISSING_SAGA_ID
    assert world.store.provisionings == {}
