"""ROUTES: the one table of which provisioner reaction handles which event on which topic."""

from __future__ import annotations

from typing import Final

from arcadia_contracts import topics
from arcadia_contracts.events.billing import SubscriptionReserved
from arcadia_contracts.events.deployments import (
    DeploymentProvisioningRequested,
    DeploymentTeardownRequested,
    ProvisioningAborted,
)
from arcadia_contracts.events.inventory import ResourceLinked
from arcadia_platform.consumer import Routes
from arcadia_platform.outbox import Outbox
from arcadia_provisioner.config import ProvisionerSettings
from arcadia_provisioner.handlers.saga import SagaReactions

# Every participant announces an abort on its own topic; the provisioner hears the others'.
ABORT_TOPICS = (topics.DEPLOYMENTS, topics.BILLING, topics.INVENTORY)


def register_routes(routes: Routes, settings: ProvisionerSettings, outbox: Outbox) -> Routes:
    """Fill `routes` (the runtime's, created before the reactions can be) with the table."""
    saga = SagaReactions(settings, outbox)
    routes.on(topics.DEPLOYMENTS, DeploymentProvisioningRequested, saga.provisioning_requested)
    routes.on(topics.DEPLOYMENTS, DeploymentTeardownRequested, saga.teardown_requested)
    routes.on(topics.BILLING, SubscriptionReserved, saga.subscription_reserved)
    routes.on(topics.INVENTORY, ResourceLinked, saga.resource_linked)
    for topic in ABORT_TOPICS:
        routes.on(topic, ProvisioningAborted, saga.provisioning_aborted)
    return routes


# The table, as the composition root applies it: app.py calls ROUTES(routes, settings, ...).
ROUTES: Final = register_routes
