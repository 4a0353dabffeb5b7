"""ROUTES: what the api hears from the saga's other participants (topic x event -> reaction)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Final

from arcadia_api.saga.handlers import SagaReactions
from arcadia_api.subscriptions.projection import project_subscription
from arcadia_contracts import Envelope, Event, topics
from arcadia_contracts.events.billing import (
    SubscriptionCancelled,
    SubscriptionChanged,
    SubscriptionCompensated,
    SubscriptionPastDue,
    SubscriptionReactivated,
    SubscriptionReserved,
    SubscriptionSuspended,
    SubscriptionTrialEnded,
)
from arcadia_contracts.events.deployments import CompensationFailed, ProvisioningAborted
from arcadia_contracts.events.inventory import ResourceLinked, ResourceRegistered, ResourceReleased
from arcadia_contracts.events.platform import TenantReinstated, TenantSuspended
from arcadia_contracts.events.provisioner import (
    DnsPointed,
    DnsReverted,
    DropletActive,
    DropletCreated,
    DropletDestroyed,
)
from arcadia_platform.consumer import Handler, Routes
from arcadia_platform.db import Connection

# A reaction named unbound (e.g. `SagaReactions.report`), so the table reads without an instance.
Reaction = Callable[[SagaReactions, Connection, Envelope], Awaitable[None]]

# Every participant may abort the saga; only the provisioner undoes work that can fail to be
# undone, so only its topic carries CompensationFailed.
_ABORTS: Final[tuple[tuple[str, type[Event], Reaction], ...]] = (
    *(
        (topic, ProvisioningAborted, SagaReactions.aborted)
        for topic in (topics.BILLING, topics.PROVISIONER, topics.INVENTORY)
    ),
    (topics.PROVISIONER, CompensationFailed, SagaReactions.compensation_failed),
)

ROUTES: Final[tuple[tuple[str, type[Event], Reaction], ...]] = (
    *_ABORTS,
    (topics.BILLING, SubscriptionReserved, SagaReactions.step_succeeded),
    (topics.BILLING, SubscriptionCompensated, SagaReactions.report),
    (topics.BILLING, SubscriptionCancelled, SagaReactions.report),
    (topics.BILLING, SubscriptionPastDue, SagaReactions.past_due),
    # The billing cycle's moves (issue 12): trials end, dunning suspends and lifts.
    (topics.BILLING, SubscriptionTrialEnded, SagaReactions.trial_ended),
    (topics.BILLING, SubscriptionSuspended, SagaReactions.dunning_suspended),
    (topics.BILLING, SubscriptionReactivated, SagaReactions.dunning_over),
    # The platform's tenants service: a whole tenant suspended and reinstated.
    (topics.TENANTS, TenantSuspended, SagaReactions.tenant_suspended),
    (topics.TENANTS, TenantReinstated, SagaReactions.tenant_reinstated),
    (topics.PROVISIONER, DropletCreated, SagaReactions.step_succeeded),
    (topics.PROVISIONER, DropletActive, SagaReactions.step_succeeded),
    (topics.PROVISIONER, DnsPointed, SagaReactions.step_succeeded),
    (topics.PROVISIONER, DropletDestroyed, SagaReactions.report),
    (topics.PROVISIONER, DnsReverted, SagaReactions.report),
    (topics.INVENTORY, ResourceRegistered, SagaReactions.step_succeeded),
    (topics.INVENTORY, ResourceLinked, SagaReactions.step_succeeded),
    (topics.INVENTORY, ResourceReleased, SagaReactions.report),
)


def routes(reactions: SagaReactions) -> Routes:
    """ROUTES bound to one `SagaReactions`: the consumer's routing table."""
    table = Routes()
    for topic, event, reaction in ROUTES:
        table.on(topic, event, _bind(reactions, reaction))
    # The read model of billing's subscriptions (GET /api/v1/deployments/{id}), not a saga step.
    table.on(topics.BILLING, SubscriptionChanged, project_subscription)
    return table


def _bind(reactions: SagaReactions, reaction: Reaction) -> Handler:
    async def handle(conn: Connection, event: Envelope) -> None:
        await reaction(reactions, conn, event)

    return handle
