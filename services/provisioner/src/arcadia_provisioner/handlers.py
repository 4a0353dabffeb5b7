"""Reactions of the provisioner to other services' events: record facts, schedule durable jobs.

Handlers never call the provider (a consumer must not block on it); they run in the inbox
transaction and leave the work to the job worker. Facts may arrive in any order across topics:
each handler records its fact and then checks whether the next job can be scheduled.
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
from arcadia_platform.db import Connection
from arcadia_platform.logs import get_logger
from arcadia_provisioner.adapters import repository as repo
from arcadia_provisioner.config import ProvisionerSettings
from arcadia_provisioner.domain import JobKind

log = get_logger(__name__)


class ProvisionerHandlers:
    def __init__(self, settings: ProvisionerSettings, wake: Callable[[], None]) -> None:
        self._settings = settings
        self._wake = wake

    async def provisioning_requested(self, conn: Connection, event: Envelope) -> None:
        request = event.payload
        assert isinstance(request, DeploymentProvisioningRequested)
        ids = saga_ids(event)
        if ids is None:
            return
        saga_id, deployment_id = ids
        await repo.upsert_provisioning(
            conn,
            saga_id,
            deployment_id,
            event.tenant_id,
            requested=True,
            slug=request.slug,
            region=request.region,
            size=request.size,
        )
        await self._maybe_create_droplet(conn, saga_id)

    async def subscription_reserved(self, conn: Connection, event: Envelope) -> None:
        assert isinstance(event.payload, SubscriptionReserved)
        ids = saga_ids(event)
        if ids is None:
            return
        saga_id, deployment_id = ids
        await repo.upsert_provisioning(conn, saga_id, deployment_id, event.tenant_id, reserved=True)
        await self._maybe_create_droplet(conn, saga_id)

    async def resource_linked(self, conn: Connection, event: Envelope) -> None:
        ids = saga_ids(event)
        if ids is None:
            return
        saga_id, deployment_id = ids
        row = await repo.upsert_provisioning(
            conn, saga_id, deployment_id, event.tenant_id, linked=True
        )
        if row["droplet_active"] and row["aborted_at"] is None:
            await repo.schedule(
                conn, saga_id, JobKind.POINT_DNS, deadline_s=self._settings.step_timeout_s
            )

    async def provisioning_aborted(self, conn: Connection, event: Envelope) -> None:
        """Remember the abort (so no later step runs) and undo what was done, once per saga."""
        abort = event.payload
        assert isinstance(abort, ProvisioningAborted)
        ids = saga_ids(event)
        if ids is None:
            return
        saga_id, deployment_id = ids
        await repo.upsert_provisioning(conn, saga_id, deployment_id, event.tenant_id)
        await conn.execute(
            "UPDATE provisionings SET aborted_at = COALESCE(aborted_at, now()),"
            " abort_reason = COALESCE(abort_reason, $2) WHERE saga_id = $1",
            saga_id,
            f"{abort.failed_step}: {abort.reason}",
        )
        await repo.schedule(conn, saga_id, JobKind.COMPENSATE)

    async def teardown_requested(self, conn: Connection, event: Envelope) -> None:
        assert isinstance(event.payload, DeploymentTeardownRequested)
        ids = saga_ids(event)
        if ids is None:
            return
        saga_id, deployment_id = ids
        provisioning = await repo.completed_provisioning_of(conn, deployment_id)
        await conn.execute(
            "INSERT INTO teardowns (saga_id, deployment_id, tenant_id, provisioning_saga)"
            " VALUES ($1, $2, $3, $4) ON CONFLICT (saga_id) DO NOTHING",
            saga_id,
            deployment_id,
            event.tenant_id,
            provisioning["saga_id"] if provisioning else None,
        )
        await repo.schedule(conn, saga_id, JobKind.TEARDOWN)

    async def _maybe_create_droplet(self, conn: Connection, saga_id: UUID) -> None:
        row = await repo.get_provisioning(conn, saga_id)
        if row and row["requested"] and row["reserved"] and row["aborted_at"] is None:
            await repo.schedule(
                conn,
                saga_id,
                JobKind.CREATE_DROPLET,
                deadline_s=self._settings.step_timeout_s,
            )


def saga_ids(event: Envelope) -> tuple[UUID, UUID] | None:
    """(saga id, deployment id) of a saga event; None (logged) for one that lacks them."""
    if event.saga_id is None or event.deployment_id is None:
        log.warning("provisioner.event_without_saga", type=event.type, event_id=str(event.event_id))
        return None
    return event.saga_id, event.deployment_id
