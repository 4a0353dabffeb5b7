"""Saga steps 5 and 6: register the active droplet as a resource and link it, or refuse it."""

from __future__ import annotations

from collections.abc import Mapping

from arcadia_contracts import Envelope
from arcadia_contracts.events.deployments import ProvisioningAborted
from arcadia_contracts.events.inventory import ResourceLinked, ResourceRegistered
from arcadia_contracts.events.provisioner import DropletActive
from arcadia_inventory.adapters.resources import ResourceStore
from arcadia_inventory.domain import (
    DROPLET,
    PROVIDER,
    REGISTER_STEP,
    SIZE_PRICES_CENTS,
    RegistrationRejectedError,
    Resource,
    already_registered,
    check_registration,
    droplet_resource,
)
from arcadia_inventory.handlers.common import Publish, payload_of
from arcadia_inventory.handlers.compensation import compensate_saga
from arcadia_platform.db import Connection
from arcadia_platform.logs import get_logger

log = get_logger(__name__)


async def register_droplet(
    conn: Connection,
    event: Envelope,
    *,
    publish: Publish,
    prices: Mapping[str, int] = SIZE_PRICES_CENTS,
) -> None:
    """Saga steps 5 and 6: register the active droplet as a resource and link it."""
    droplet = payload_of(event, DropletActive)
    store = ResourceStore(conn)
    if event.saga_id is not None:
        await store.lock_saga(event.saga_id)
        if await store.saga_aborted(event.saga_id):
            log.info("registration.skipped_aborted_saga", saga_id=str(event.saga_id))
            return
    provider_id = str(droplet.droplet_id)
    if await settled_by_earlier_registration(store, conn, event, provider_id, publish=publish):
        return
    held = await store.active_held_by(event.deployment_id, DROPLET) if event.deployment_id else None
    try:
        deployment_id = check_registration(
            deployment_id=event.deployment_id,
            saga_id=event.saga_id,
            provider_id=provider_id,
            held=held,
        )
    except RegistrationRejectedError as exc:
        await reject_registration(store, conn, event, exc.reason, publish=publish)
        return
    resource = droplet_resource(
        droplet_id=droplet.droplet_id,
        region=droplet.region,
        size=droplet.size,
        ip_address=droplet.ip_address,
        tenant_id=event.tenant_id,
        deployment_id=deployment_id,
        saga_id=event.saga_id,
        prices=prices,
        registered_at=event.occurred_at,
    )
    if not await store.add(resource):
        # Another transaction registered the provider id since we looked: judge it the same way.
        if not await settled_by_earlier_registration(
            store, conn, event, provider_id, publish=publish
        ):
            raise RuntimeError(f"provider id {provider_id} neither insertable nor registered")
        return
    await store.link(resource.id, deployment_id, at=event.occurred_at)
    registered = registered_event(resource)
    await publish(conn, event, registered, ResourceLinked(resource_id=str(resource.id)))
    log.info(
        "resource.registered",
        resource_id=str(resource.id),
        provider_id=provider_id,
        deployment_id=str(deployment_id),
        saga_id=str(event.saga_id),
        monthly_cost_cents=resource.monthly_cost_cents,
    )


def registered_event(resource: Resource) -> ResourceRegistered:
    return ResourceRegistered(
        resource_id=str(resource.id),
        provider_id=resource.provider_id,
        kind=resource.kind,
        # Unpriced: 0 with priced=False (the contract's field is an int), never a guessed cost.
        monthly_cost_cents=resource.monthly_cost_cents or 0,
        priced=resource.priced,
        currency=resource.currency,
        region=resource.region,
        size=resource.size,
        ip_address=resource.ip_address,
    )


async def settled_by_earlier_registration(
    store: ResourceStore, conn: Connection, event: Envelope, provider_id: str, *, publish: Publish
) -> bool:
    """True if the provider id is registered already: this saga's (a no-op) or a clash (rejected)."""
    registered = await store.by_provider_id(PROVIDER, provider_id)
    if registered is None:
        return False
    try:
        done = already_registered(
            registered=registered,
            deployment_id=event.deployment_id,
            saga_id=event.saga_id,
            provider_id=provider_id,
        )
    except RegistrationRejectedError as exc:
        # The other holder is named here, for operators, and not in the saga's public reason.
        log.warning(
            "registration.provider_id_clash",
            provider_id=provider_id,
            saga_id=str(event.saga_id),
            deployment_id=str(event.deployment_id),
            tenant_id=event.tenant_id,
            held_by_resource=str(registered.id),
            held_by_deployment=str(registered.deployment_id),
            held_by_tenant=registered.tenant_id,
            held_by_saga=str(registered.saga_id),
            held_status=str(registered.status),
        )
        await reject_registration(store, conn, event, exc.reason, publish=publish)
        return True
    if done:
        log.info("registration.already_done", provider_id=provider_id)
    return done


async def reject_registration(
    store: ResourceStore, conn: Connection, event: Envelope, reason: str, *, publish: Publish
) -> None:
    """Abort the saga from the inventory step, and compensate inventory's own part at once."""
    log.warning("registration.rejected", reason=reason, saga_id=str(event.saga_id))
    await publish(conn, event, ProvisioningAborted(failed_step=REGISTER_STEP, reason=reason))
    if event.saga_id is not None:
        await compensate_saga(
            store, conn, event, event.saga_id, REGISTER_STEP, reason, publish=publish
        )
