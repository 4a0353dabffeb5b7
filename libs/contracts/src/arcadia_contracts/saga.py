"""The saga's vocabulary: every step, who performs it, what marks it done and what undoes it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from arcadia_contracts import topics
from arcadia_contracts.envelope import Event
from arcadia_contracts.events.billing import (
    SubscriptionCancelled,
    SubscriptionCompensated,
    SubscriptionReserved,
)
from arcadia_contracts.events.deployments import (
    DeploymentActivated,
    DeploymentProvisioningRequested,
)
from arcadia_contracts.events.inventory import ResourceLinked, ResourceRegistered, ResourceReleased
from arcadia_contracts.events.provisioner import (
    DnsPointed,
    DnsReverted,
    DropletActive,
    DropletCreated,
    DropletDestroyed,
)


class SagaStep(StrEnum):
    """Step names as they travel in `ProvisioningAborted.failed_step` and the saga record."""

    # the provisioning saga, in order
    MARK_PROVISIONING = "mark_provisioning"
    RESERVE_SUBSCRIPTION = "reserve_subscription"
    CREATE_DROPLET = "create_droplet"
    WAIT_DROPLET_ACTIVE = "wait_droplet_active"
    REGISTER_INVENTORY = "register_inventory"
    LINK_RESOURCE = "link_resource"
    POINT_DNS = "point_dns"
    ACTIVATE_DEPLOYMENT = "activate_deployment"
    # the teardown saga, in order
    REMOVE_DNS = "remove_dns"
    DESTROY_DROPLET = "destroy_droplet"
    RELEASE_RESOURCE = "release_resource"
    CANCEL_SUBSCRIPTION = "cancel_subscription"


class Service(StrEnum):
    """The services taking part; the value is the envelope's `producer`."""

    API = "api"
    BILLING = "billing"
    PROVISIONER = "provisioner"
    INVENTORY = "inventory"


# Each service publishes on its own topic only (DESIGN.md, Messaging).
TOPIC_OF: Final[dict[Service, str]] = {
    Service.API: topics.DEPLOYMENTS,
    Service.BILLING: topics.BILLING,
    Service.PROVISIONER: topics.PROVISIONER,
    Service.INVENTORY: topics.INVENTORY,
}


@dataclass(frozen=True)
class StepSpec:
    """One row of the saga table.

    `compensated_by` is the report the performer announces once it has undone the step on
    `ProvisioningAborted`; `covered_by` names the earlier step whose compensation also undoes
    this one. A step with neither is not undone by an event (the api cancels the deployment
    itself; activation is the last step; teardown is never compensated).
    """

    step: SagaStep
    service: Service
    done: type[Event]
    compensated_by: type[Event] | None = None
    covered_by: SagaStep | None = None

    @property
    def topic(self) -> str:
        """Where both `done` and `compensated_by` are published."""
        return TOPIC_OF[self.service]


PROVISION: Final[tuple[StepSpec, ...]] = (
    StepSpec(SagaStep.MARK_PROVISIONING, Service.API, DeploymentProvisioningRequested),
    StepSpec(
        SagaStep.RESERVE_SUBSCRIPTION,
        Service.BILLING,
        SubscriptionReserved,
        SubscriptionCompensated,
    ),
    StepSpec(SagaStep.CREATE_DROPLET, Service.PROVISIONER, DropletCreated, DropletDestroyed),
    StepSpec(
        SagaStep.WAIT_DROPLET_ACTIVE,
        Service.PROVISIONER,
        DropletActive,
        covered_by=SagaStep.CREATE_DROPLET,
    ),
    StepSpec(SagaStep.REGISTER_INVENTORY, Service.INVENTORY, ResourceRegistered, ResourceReleased),
    StepSpec(
        SagaStep.LINK_RESOURCE,
        Service.INVENTORY,
        ResourceLinked,
        covered_by=SagaStep.REGISTER_INVENTORY,
    ),
    StepSpec(SagaStep.POINT_DNS, Service.PROVISIONER, DnsPointed, DnsReverted),
    StepSpec(SagaStep.ACTIVATE_DEPLOYMENT, Service.API, DeploymentActivated),
)

TEARDOWN: Final[tuple[StepSpec, ...]] = (
    StepSpec(SagaStep.REMOVE_DNS, Service.PROVISIONER, DnsReverted),
    StepSpec(SagaStep.DESTROY_DROPLET, Service.PROVISIONER, DropletDestroyed),
    StepSpec(SagaStep.RELEASE_RESOURCE, Service.INVENTORY, ResourceReleased),
    StepSpec(SagaStep.CANCEL_SUBSCRIPTION, Service.BILLING, SubscriptionCancelled),
)

STEPS: Final[dict[SagaStep, StepSpec]] = {spec.step: spec for spec in (*PROVISION, *TEARDOWN)}

# The reports the api waits for before an aborted provisioning saga counts as compensated.
COMPENSATION_REPORTS: Final[tuple[type[Event], ...]] = tuple(
    spec.compensated_by for spec in PROVISION if spec.compensated_by is not None
)
