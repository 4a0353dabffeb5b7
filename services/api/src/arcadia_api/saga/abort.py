"""The api aborting a provisioning saga itself (deadline, user cancel or an operator): record and
announce."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

from arcadia_api.deployments.domain import Deployment
from arcadia_api.http.principal import Principal
from arcadia_api.identity import PRODUCER
from arcadia_api.saga import repository as sagas
from arcadia_api.saga.model import Saga, SagaTimeouts
from arcadia_api.saga.steps import SagaKind, SagaStatus
from arcadia_contracts import envelope, topics
from arcadia_contracts.events.deployments import ProvisioningAborted
from arcadia_platform.db import Connection
from arcadia_platform.logs import get_logger
from arcadia_platform.outbox import Outbox
from arcadia_platform.problems import ProblemError

log = get_logger(__name__)


async def abort_and_announce(
    conn: Connection,
    outbox: Outbox,
    saga: Saga,
    step: str,
    reason: str,
    now: datetime,
    compensation: timedelta,
) -> bool:
    """Start compensating and tell every participant (ProvisioningAborted on the deployments
    topic), in the caller's transaction; False if the saga was not running."""
    if not saga.abort(step, reason, now, compensation):
        return False
    await sagas.save(conn, saga)
    await outbox.add(
        conn,
        topics.DEPLOYMENTS,
        envelope(
            ProvisioningAborted(failed_step=step, reason=reason),
            producer=PRODUCER,
            tenant_id=saga.tenant_id,
            deployment_id=saga.deployment_id,
            saga_id=saga.id,
        ),
    )
    return True


async def cancel_provisioning(
    conn: Connection,
    outbox: Outbox,
    deployment: Deployment,
    principal: Principal,
    reason: str | None,
    timeouts: SagaTimeouts,
) -> bool:
    """A user cancel while provisioning aborts the saga; it ends `cancelled` once undone."""
    saga = await sagas.latest(conn, deployment.id, SagaKind.PROVISION, for_update=True)
    if saga is None or saga.status not in (SagaStatus.RUNNING, SagaStatus.COMPENSATING):
        return False
    if saga.status is SagaStatus.RUNNING:
        why = f"cancelled by {principal.sub}" + (f": {reason}" if reason else "")
        await abort_and_announce(
            conn, outbox, saga, saga.current_step, why, datetime.now(UTC), timeouts.compensation
        )
        log.info("saga.cancelled_by_user", saga_id=str(saga.id), actor=principal.sub)
    return True


async def operator_abort(
    conn: Connection,
    outbox: Outbox,
    saga_id: UUID,
    principal: Principal,
    reason: str | None,
    timeouts: SagaTimeouts,
) -> Saga:
    """An operator aborts a running provisioning saga (`arcadia saga abort`): the same abort as a
    deadline's, announced to every participant. Raises ProblemError 404 / 409."""
    saga = await sagas.get(conn, saga_id, for_update=True)
    if saga is None:
        raise ProblemError(404, f"No saga {saga_id}", slug="saga-not-found")
    if saga.kind is not SagaKind.PROVISION or saga.status is not SagaStatus.RUNNING:
        raise ProblemError(
            409,
            f"only a running provisioning saga can be aborted; this {saga.kind} saga is"
            f" {saga.status}",
            slug="saga-not-abortable",
        )
    why = f"aborted by operator {principal.sub}" + (f": {reason}" if reason else "")
    await abort_and_announce(
        conn, outbox, saga, saga.current_step, why, datetime.now(UTC), timeouts.compensation
    )
    log.info("saga.aborted_by_operator", saga_id=str(saga.id), actor=principal.sub)
    return saga
