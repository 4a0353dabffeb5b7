"""The api starting a saga, in the transaction of the command that causes it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from uuid import UUID

import msgspec

from arcadia_api.deployments.domain import Deployment
from arcadia_api.deployments.schemas import CreateDeployment
from arcadia_api.identity import PRODUCER
from arcadia_api.saga import repository as sagas
from arcadia_api.saga.model import Saga, SagaTimeouts
from arcadia_api.saga.steps import SagaKind, SagaStatus
from arcadia_contracts import envelope, topics
from arcadia_contracts.events.deployments import AddonRequest as ContractAddon
from arcadia_contracts.events.deployments import (
    DeploymentProvisioningRequested,
    DeploymentTeardownRequested,
)
from arcadia_platform.db import Connection
from arcadia_platform.logs import get_logger
from arcadia_platform.outbox import Outbox

log = get_logger(__name__)
FALLBACK_SIZE = "s-1vcpu-1gb"


async def start_provisioning(
    conn: Connection,
    outbox: Outbox,
    deployment: Deployment,
    request: CreateDeployment,
    timeouts: SagaTimeouts,
) -> UUID:
    """Saga step 1, in the creating transaction: the saga record and the request to everyone."""
    now = datetime.now(UTC)
    saga = Saga.provision(
        uuid.uuid4(),
        deployment.id,
        deployment.tenant_id,
        now,
        saga_timeout=timeouts.saga,
        step_timeout=timeouts.step,
    )
    asked = DeploymentProvisioningRequested(
        slug=deployment.slug,
        region=request.region,
        # The plan's size (decided by the command); the fallback only when billing could not
        # be asked, and then the reservation's size is the one the provisioner uses.
        size=request.size or FALLBACK_SIZE,
        plan_code=request.plan_code,
        addons=tuple(ContractAddon(code=a.code, quantity=a.quantity) for a in request.addons),
    )
    await sagas.save(conn, saga, request=msgspec.to_builtins(asked))
    await outbox.add(
        conn,
        topics.DEPLOYMENTS,
        envelope(
            asked,
            producer=PRODUCER,
            tenant_id=deployment.tenant_id,
            deployment_id=deployment.id,
            saga_id=saga.id,
        ),
    )
    log.info("saga.started", saga_id=str(saga.id), deployment_id=str(deployment.id))
    return saga.id


async def start_teardown(
    conn: Connection, outbox: Outbox, deployment: Deployment, timeouts: SagaTimeouts
) -> None:
    """A provisioned deployment that is cancelled or archived gives back what it holds, once."""
    provisioned = await sagas.latest(conn, deployment.id, SagaKind.PROVISION)
    if provisioned is None or provisioned.status is not SagaStatus.COMPLETED:
        return
    if await sagas.latest(conn, deployment.id, SagaKind.TEARDOWN) is not None:
        return
    saga = Saga.teardown(
        uuid.uuid4(),
        deployment.id,
        deployment.tenant_id,
        datetime.now(UTC),
        saga_timeout=timeouts.saga,
        step_timeout=timeouts.step,
    )
    await sagas.save(conn, saga)
    await outbox.add(
        conn,
        topics.DEPLOYMENTS,
        envelope(
            DeploymentTeardownRequested(to_state=str(deployment.state)),
            producer=PRODUCER,
            tenant_id=deployment.tenant_id,
            deployment_id=deployment.id,
            saga_id=saga.id,
        ),
    )
    log.info("saga.teardown_started", saga_id=str(saga.id), deployment_id=str(deployment.id))
