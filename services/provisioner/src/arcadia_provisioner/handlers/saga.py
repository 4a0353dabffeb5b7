"""Reactions of the provisioner to other services' saga events: record facts, schedule jobs.

Handlers never call the provider (a consumer must not block on it); they run in the inbox
transaction and leave the work to the job worker. Facts may arrive in any order across topics:
each handler records its fact and then checks whether the next job can be scheduled. An event
of a saga step without a saga id is dead-lettered (arcadia_platform.sagas.require_saga_id).
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from arcadia_contracts import Envelope
from arcadia_contracts.events.billing import SubscriptionReserved
from arcadia_contracts.events.deployments import (
    DeploymentProvisioningRequested,
    DeploymentTeardownRequested,
    ProvisioningAborted,
)
from arcadia_platform.consumer import InvalidEventError
from arcadia_platform.db import Connection
from arcadia_platform.outbox import Outbox
from arcadia_platform.sagas import require_saga_id
from arcadia_provisioner.adapters.repository import PgProvisioningStore
from arcadia_provisioner.config import ProvisionerSettings
from arcadia_provisioner.domain.model import JobKind, Provisioning, ProvisioningChanges, Teardown
from arcadia_provisioner.ports import ProvisioningStore


class SagaReactions:
    """Each reaction has the (connection, envelope) shape the inbox consumer calls.

    The worker is woken by the runtime's after-commit hook, once the scheduled job is visible.
    """

    def __init__(
        self,
        settings: ProvisionerSettings,
        outbox: Outbox,
        store: Callable[[Connection, Outbox], ProvisioningStore] = PgProvisioningStore,
    ) -> None:
        self._settings = settings
        self._outbox = outbox
        self._store = store

    async def provisioning_requested(self, conn: Connection, event: Envelope) -> None:
        request = event.payload
        assert isinstance(request, DeploymentProvisioningRequested)
        changes: ProvisioningChanges = {
            "requested": True,
            "slug": request.slug,
            "region": request.region,
            "size": request.size,
        }
        store, row = await self._record(conn, event, changes)
        await self._maybe_create_droplet(store, row)

    async def subscription_reserved(self, conn: Connection, event: Envelope) -> None:
        reserved = event.payload
        assert isinstance(reserved, SubscriptionReserved)
        changes: ProvisioningChanges = {"reserved": True}
        if reserved.droplet_size:  # the plan decides the hardware
            changes["plan_size"] = reserved.droplet_size
        store, row = await self._record(conn, event, changes)
        await self._maybe_create_droplet(store, row)

    async def resource_linked(self, conn: Connection, event: Envelope) -> None:
        store, row = await self._record(conn, event, {"linked": True})
        if row.ready_to_point_dns:
            await store.schedule(
                row.saga_id, JobKind.POINT_DNS, deadline_s=self._settings.step_timeout_s
            )

    async def provisioning_aborted(self, conn: Connection, event: Envelope) -> None:
        """Remember the abort (so no later step runs) and undo what was done, once per saga."""
        abort = event.payload
        assert isinstance(abort, ProvisioningAborted)
        store, row = await self._record(conn, event, {})
        await store.mark_aborted(row.saga_id, f"{abort.failed_step}: {abort.reason}")
        await store.schedule(row.saga_id, JobKind.COMPENSATE)

    async def teardown_requested(self, conn: Connection, event: Envelope) -> None:
        assert isinstance(event.payload, DeploymentTeardownRequested)
        saga_id, deployment_id = saga_ids(event)
        store = self._store(conn, self._outbox)
        provisioning = await store.completed_provisioning_of(deployment_id)
        await store.add_teardown(
            Teardown(
                saga_id,
                deployment_id,
                event.tenant_id,
                provisioning.saga_id if provisioning else None,
            )
        )
        await store.schedule(saga_id, JobKind.TEARDOWN)

    async def _record(
        self, conn: Connection, event: Envelope, changes: ProvisioningChanges
    ) -> tuple[ProvisioningStore, Provisioning]:
        """Record a fact of the event's saga; the returned row stays locked until commit."""
        saga_id, deployment_id = saga_ids(event)
        store = self._store(conn, self._outbox)
        row = await store.open_provisioning(saga_id, deployment_id, event.tenant_id, changes)
        return store, row

    async def _maybe_create_droplet(self, store: ProvisioningStore, row: Provisioning) -> None:
        if row.ready_to_create:
            await store.schedule(
                row.saga_id, JobKind.CREATE_DROPLET, deadline_s=self._settings.step_timeout_s
            )


def saga_ids(event: Envelope) -> tuple[UUID, UUID]:
    """(saga id, deployment id) of a saga event; one without them is dead-lettered."""
    saga_id = require_saga_id(event)
    if event.deployment_id is None:
        raise InvalidEventError(
            f"{event.type} {event.event_id} of saga {saga_id} has no deployment_id"
        )
    return saga_id, event.deployment_id
