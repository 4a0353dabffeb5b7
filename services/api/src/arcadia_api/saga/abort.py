"""The api aborting a provisioning saga itself (deadline or user cancel): record and announce."""

from __future__ import annotations

from datetime import datetime, timedelta

from arcadia_api.identity import PRODUCER
from arcadia_api.saga import repository as sagas
from arcadia_api.saga.model import Saga
from arcadia_contracts import envelope, topics
from arcadia_contracts.events.deployments import ProvisioningAborted
from arcadia_platform.db import Connection
from arcadia_platform.outbox import Outbox


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
