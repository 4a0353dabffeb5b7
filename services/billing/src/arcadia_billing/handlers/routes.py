"""ROUTES: the one table of which billing handler reacts to which event on which topic."""

from __future__ import annotations

from typing import Final

from arcadia_billing.adapters.publisher import Publisher
from arcadia_billing.clock import Clock
from arcadia_billing.handlers.facts import FactReactions
from arcadia_billing.handlers.lifecycle import LifecycleReactions
from arcadia_billing.handlers.payments import PaymentReactions
from arcadia_billing.handlers.saga import SagaReactions
from arcadia_contracts import topics
from arcadia_contracts.events.deployments import (
    BillingOverrideChanged,
    DeploymentActivated,
    DeploymentProvisioningRequested,
    DeploymentStateChanged,
    DeploymentTeardownRequested,
    ProvisioningAborted,
)
from arcadia_contracts.events.inventory import ResourceRegistered, ResourceReleased
from arcadia_contracts.events.platform import PaymentFailed, PaymentSucceeded, TenantStandingChanged
from arcadia_platform.consumer import Routes

# Every participant announces an abort on its own topic; billing hears all of them.
ABORT_TOPICS = (topics.DEPLOYMENTS, topics.PROVISIONER, topics.INVENTORY, topics.BILLING)


def register_routes(routes: Routes, publisher: Publisher, clock: Clock) -> Routes:
    """Fill `routes` (the runtime's, created before the reactions can be) with billing's table."""
    saga = SagaReactions(publisher, clock)
    lifecycle = LifecycleReactions(publisher)
    payments = PaymentReactions(publisher, clock)
    facts = FactReactions()
    routes.on(topics.DEPLOYMENTS, DeploymentProvisioningRequested, saga.reserve_subscription)
    for topic in ABORT_TOPICS:
        routes.on(topic, ProvisioningAborted, saga.compensate_subscription)
    routes.on(topics.DEPLOYMENTS, DeploymentActivated, lifecycle.activate_subscription)
    routes.on(topics.DEPLOYMENTS, DeploymentStateChanged, lifecycle.follow_deployment_state)
    routes.on(topics.DEPLOYMENTS, DeploymentTeardownRequested, lifecycle.cancel_on_teardown)
    routes.on(topics.DEPLOYMENTS, BillingOverrideChanged, lifecycle.record_billing_override)
    routes.on(topics.PAYMENTS, PaymentSucceeded, payments.credit_payment)
    routes.on(topics.PAYMENTS, PaymentFailed, payments.mark_past_due)
    routes.on(topics.TENANTS, TenantStandingChanged, facts.record_tenant_standing)
    routes.on(topics.INVENTORY, ResourceRegistered, facts.record_resource_cost)
    routes.on(topics.INVENTORY, ResourceReleased, facts.release_resource_cost)
    return routes


# The table, as the composition root applies it: app.py calls ROUTES(routes, publisher, clock).
ROUTES: Final = register_routes
