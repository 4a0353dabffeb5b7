"""Billing's read models of other services' facts, as `arcadia rebuild` rebuilds them from offset 0
(arcadia_platform.rebuild): each applies the same projection code the live handlers run.

- `deployments`: billing's view of the gateway's deployments (state, operator override);
- `resources`: inventory's resources and their monthly cost (the cost side of margin);
- `tenants`: the tenants service's standings.

Billing's own state (subscriptions, ledger, payments, sagas) is not a read model: it is decided
here, with side effects (events, ledger entries), and is not rebuilt.
"""

from __future__ import annotations

import contextlib

from arcadia_billing.handlers.facts import FactReactions
from arcadia_billing.handlers.lifecycle import project_billing_override, project_deployment_state
from arcadia_contracts import Envelope, topics
from arcadia_contracts.events.deployments import BillingOverrideChanged, DeploymentStateChanged
from arcadia_contracts.events.inventory import ResourceRegistered, ResourceReleased
from arcadia_contracts.events.platform import TenantStandingChanged
from arcadia_platform.db import Connection
from arcadia_platform.rebuild import Projection

_facts = FactReactions()


async def _deployments(conn: Connection, event: Envelope) -> None:
    if isinstance(event.payload, DeploymentStateChanged):
        await project_deployment_state(conn, event)
    elif isinstance(event.payload, BillingOverrideChanged):
        await project_billing_override(conn, event)


async def _resources(conn: Connection, event: Envelope) -> None:
    if isinstance(event.payload, ResourceRegistered):
        await _facts.record_resource_cost(conn, event)
    elif isinstance(event.payload, ResourceReleased):
        await _facts.release_resource_cost(conn, event)


async def _tenants(conn: Connection, event: Envelope) -> None:
    if isinstance(event.payload, TenantStandingChanged):
        # A standing outside the contract was dead-lettered live: not part of the model.
        with contextlib.suppress(ValueError):
            await _facts.record_tenant_standing(conn, event)


PROJECTIONS = (
    Projection("deployments", ["deployments"], [topics.DEPLOYMENTS], _deployments),
    Projection("resources", ["resources"], [topics.INVENTORY], _resources),
    Projection("tenants", ["tenants"], [topics.TENANTS], _tenants),
)
