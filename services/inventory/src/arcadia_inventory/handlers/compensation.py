"""Compensation and teardown: release what an aborted saga or a torn-down deployment holds."""

from __future__ import annotations

from uuid import UUID

from arcadia_contracts import Envelope, Event
from arcadia_contracts.events.deployments import DeploymentTeardownRequested, ProvisioningAborted
from arcadia_contracts.events.inventory import ResourceReleased
from arcadia_inventory.adapters.resources import ResourceStore
from arcadia_inventory.handlers.common import IncompleteEnvelopeError, Publish, payload_of
from arcadia_platform.db import Connection
from arcadia_platform.logs import get_logger
from arcadia_platform.sagas import require_saga_id

log = get_logger(__name__)


async def release_aborted_saga(conn: Connection, event: Envelope, *, publish: Publish) -> None:
    """Compensation: release what the aborted saga registered, and remember the abort."""
    abort = payload_of(event, ProvisioningAborted)
    saga_id = require_saga_id(event)
    store = ResourceStore(conn)
    await store.lock_saga(saga_id)
    await compensate_saga(
        store, conn, event, saga_id, abort.failed_step, abort.reason, publish=publish
    )


async def compensate_saga(
    store: ResourceStore,
    conn: Connection,
    event: Envelope,
    saga_id: UUID,
    failed_step: str,
    reason: str,
    *,
    publish: Publish,
) -> None:
    """The first abort heard for a saga releases its resources and reports it; later ones do not."""
    first = await store.remember_abort(
        saga_id=saga_id,
        tenant_id=event.tenant_id,
        deployment_id=event.deployment_id,
        failed_step=failed_step,
        reason=reason,
        heard_from=event.producer,
        abort_event_id=event.event_id,
        at=event.occurred_at,
    )
    if not first:
        log.info("abort.already_compensated", saga_id=str(saga_id), heard_from=event.producer)
        return
    released = await store.release_for_saga(
        saga_id, f"saga aborted at {failed_step}: {reason}", at=event.occurred_at
    )
    if released:
        await store.note_released_for_abort(saga_id, released[0])
    await publish(conn, event, *released_events(released))
    log.info(
        "abort.compensated",
        saga_id=str(saga_id),
        failed_step=failed_step,
        released=[str(resource_id) for resource_id in released],
    )


async def release_torn_down_deployment(
    conn: Connection, event: Envelope, *, publish: Publish
) -> None:
    """Teardown: release the deployment's active resources and report it."""
    teardown = payload_of(event, DeploymentTeardownRequested)
    if event.deployment_id is None:
        raise IncompleteEnvelopeError(f"DeploymentTeardownRequested {event.event_id} has no id")
    released = await ResourceStore(conn).release_for_deployment(
        event.deployment_id, f"deployment {teardown.to_state}", at=event.occurred_at
    )
    await publish(conn, event, *released_events(released))
    log.info(
        "teardown.released",
        deployment_id=str(event.deployment_id),
        released=[str(resource_id) for resource_id in released],
    )


def released_events(released: list[UUID]) -> list[Event]:
    """One report per released resource, or a single empty one when there was nothing to undo."""
    if not released:
        return [ResourceReleased(resource_id=None)]
    return [ResourceReleased(resource_id=str(resource_id)) for resource_id in released]
