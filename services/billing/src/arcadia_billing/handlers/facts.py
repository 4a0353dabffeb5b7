"""Facts billing only remembers: tenant standing and inventory's resource costs."""

from __future__ import annotations

from arcadia_billing.adapters.projections import TenantProjection
from arcadia_billing.adapters.resources import ResourceCosts
from arcadia_billing.domain.money import Money
from arcadia_contracts import Envelope
from arcadia_contracts.events.inventory import ResourceRegistered, ResourceReleased
from arcadia_contracts.events.platform import TenantStandingChanged
from arcadia_platform.db import Connection
from arcadia_platform.logs import get_logger

log = get_logger(__name__)
STANDINGS = frozenset({"good", "bad"})


class UnknownStandingError(ValueError):
    """A standing outside the contract: the event is dead-lettered for an operator to see."""


class FactReactions:
    async def record_tenant_standing(self, conn: Connection, event: Envelope) -> None:
        changed = event.payload
        assert isinstance(changed, TenantStandingChanged)
        if changed.standing not in STANDINGS:
            raise UnknownStandingError(f"standing {changed.standing!r} is not good or bad")
        await TenantProjection(conn).record_standing(
            event.tenant_id, changed.standing, event.occurred_at
        )
        log.info("tenant.standing", tenant_id=event.tenant_id, standing=changed.standing)

    async def record_resource_cost(self, conn: Connection, event: Envelope) -> None:
        registered = event.payload
        assert isinstance(registered, ResourceRegistered)
        await ResourceCosts(conn).register(
            registered.resource_id,
            event.tenant_id,
            event.deployment_id,
            registered.provider_id,
            registered.kind,
            Money(registered.monthly_cost_cents, registered.currency),
            event.occurred_at,
        )

    async def release_resource_cost(self, conn: Connection, event: Envelope) -> None:
        released = event.payload
        assert isinstance(released, ResourceReleased)
        if released.resource_id is None:
            return  # a compensation that released nothing
        known = await ResourceCosts(conn).release(
            released.resource_id, event.tenant_id, event.occurred_at
        )
        if not known:
            log.info("resource.release_unknown", resource_id=released.resource_id)
