"""How the api follows the sagas: other services' events move the saga record and the deployment.

Each reaction runs in the inbox transaction. Success events move steps forward (in any order
across topics); the last one activates the deployment. ProvisioningAborted starts compensation;
each participant's undo report is counted; when all are in, the deployment is cancelled.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from arcadia_api.config import ApiSettings
from arcadia_api.deployments import holds, transitions
from arcadia_api.deployments.domain import DeploymentState
from arcadia_api.identity import PRODUCER
from arcadia_api.saga import repository as sagas
from arcadia_api.saga.metrics import observe_steps_ended
from arcadia_api.saga.model import Saga
from arcadia_api.saga.steps import COMPENSATION_REPORTS, TEARDOWN_REPORTS, SagaKind, SagaStatus
from arcadia_contracts import Envelope, envelope, topics
from arcadia_contracts.events.billing import (
    SubscriptionPastDue,
    SubscriptionReactivated,
    SubscriptionSuspended,
)
from arcadia_contracts.events.deployments import (
    CompensationFailed,
    DeploymentActivated,
    ProvisioningAborted,
)
from arcadia_contracts.events.platform import TenantReinstated, TenantSuspended
from arcadia_contracts.events.provisioner import DnsPointed, DropletActive, DropletCreated
from arcadia_platform.db import Connection
from arcadia_platform.logs import get_logger
from arcadia_platform.outbox import Outbox
from arcadia_platform.sagas import require_saga_id

log = get_logger(__name__)


def now() -> datetime:
    return datetime.now(UTC)


class SagaReactions:
    def __init__(self, outbox: Outbox, settings: ApiSettings) -> None:
        self._outbox = outbox
        self._settings = settings
        self._step_timeout = timedelta(seconds=settings.saga_step_timeout_s)

    async def step_succeeded(self, conn: Connection, event: Envelope) -> None:
        since = now()
        saga = await self._saga_of(conn, event)
        if saga is None or saga.kind is not SagaKind.PROVISION:
            return
        if isinstance(event.payload, DropletCreated | DropletActive):
            # Remembered for DeploymentActivated, whichever success event happens to come last.
            saga.droplet_id = event.payload.droplet_id
        if not saga.record_success(event.type, now(), self._step_timeout):
            log.info("saga.late_success_ignored", saga_id=str(saga.id), type=event.type)
            return
        if saga.ready_to_activate():
            await self._activate(conn, saga, event)
        await sagas.save(conn, saga)
        observe_steps_ended(saga, since)

    async def _activate(self, conn: Connection, saga: Saga, cause: Envelope) -> None:
        """Step 8: the deployment goes live, in the same transaction as the saga's completion."""
        pointed = cause.payload if isinstance(cause.payload, DnsPointed) else None
        moved = await transitions.system_transition(
            conn,
            self._outbox,
            saga.deployment_id,
            DeploymentState.ACTIVE,
            "provisioning completed",
            saga_id=saga.id,
            only_from=frozenset({DeploymentState.PROVISIONING}),
        )
        if moved is None:
            return
        saga.complete(now())
        activated = DeploymentActivated(
            droplet_id=saga.droplet_id, ip_address=pointed.ip_address if pointed else None
        )
        await self._outbox.add(
            conn,
            topics.DEPLOYMENTS,
            envelope(
                activated,
                producer=PRODUCER,
                tenant_id=saga.tenant_id,
                deployment_id=saga.deployment_id,
                caused_by=cause,
                saga_id=saga.id,
            ),
        )
        log.info("saga.completed", saga_id=str(saga.id), deployment_id=str(saga.deployment_id))

    async def aborted(self, conn: Connection, event: Envelope) -> None:
        abort = event.payload
        assert isinstance(abort, ProvisioningAborted)
        saga = await self._saga_of(conn, event)
        if saga is None:
            return
        compensation = timedelta(seconds=self._settings.compensation_timeout_s)
        if saga.abort(abort.failed_step, abort.reason, now(), compensation):
            log.info(
                "saga.compensating",
                saga_id=str(saga.id),
                failed_step=abort.failed_step,
                reason=abort.reason,
            )
        await self.finish_if_ended(conn, saga)
        await sagas.save(conn, saga)

    async def report(self, conn: Connection, event: Envelope) -> None:
        """An undo report (compensation) or a teardown participant's report."""
        if event.saga_id is None and event.type in TEARDOWN_REPORTS and event.deployment_id:
            # Billing reports a cancelled subscription for the deployment, not for a saga.
            saga = await sagas.latest(conn, event.deployment_id, SagaKind.TEARDOWN, for_update=True)
        else:
            saga = await self._saga_of(conn, event)
        if saga is None:
            return
        if saga.kind is SagaKind.PROVISION and event.type not in COMPENSATION_REPORTS:
            return
        saga.record_report(event.type, now())
        await self.finish_if_ended(conn, saga)
        await sagas.save(conn, saga)

    async def compensation_failed(self, conn: Connection, event: Envelope) -> None:
        failure = event.payload
        assert isinstance(failure, CompensationFailed)
        saga = await self._saga_of(conn, event)
        if saga is None:
            return
        if saga.compensation_failed(failure.step, failure.reason, now()):
            log.error(
                "saga.compensation_failed",
                saga_id=str(saga.id),
                step=failure.step,
                reason=failure.reason,
            )
        if saga.kind is SagaKind.PROVISION and saga.status is SagaStatus.COMPENSATION_FAILED:
            # A participant gave up its undo: nothing more will be undone, the deployment ends
            # cancelled (what it still holds is listed for operators). Also when the deadline had
            # already made the saga compensation_failed without cancelling it.
            await self._cancel(conn, saga)
        await sagas.save(conn, saga)

    async def past_due(self, conn: Connection, event: Envelope) -> None:
        """Billing says a payment failed: the deployment goes past_due (unless overridden)."""
        notice = event.payload
        assert isinstance(notice, SubscriptionPastDue)
        if event.deployment_id is None:
            return
        await transitions.system_transition(
            conn,
            self._outbox,
            event.deployment_id,
            DeploymentState.PAST_DUE,
            f"payment failed: {notice.reason}",
            respect_billing_override=True,
            # Not out of a suspension (the operator's or a tenant's): that is theirs to lift.
            only_from=frozenset({DeploymentState.ACTIVE, DeploymentState.TRIAL}),
        )

    async def trial_ended(self, conn: Connection, event: Envelope) -> None:
        """Billing says the trial is over: a `trial` deployment becomes `active`."""
        if event.deployment_id is not None:
            await holds.end_trial(conn, self._outbox, event.deployment_id)

    async def dunning_suspended(self, conn: Connection, event: Envelope) -> None:
        notice = event.payload
        assert isinstance(notice, SubscriptionSuspended)
        if event.deployment_id is not None:
            await holds.dunning_suspend(conn, self._outbox, event.deployment_id, notice.reason)

    async def dunning_over(self, conn: Connection, event: Envelope) -> None:
        notice = event.payload
        assert isinstance(notice, SubscriptionReactivated)
        if event.deployment_id is not None:
            await holds.dunning_reactivate(conn, self._outbox, event.deployment_id, notice.reason)

    async def tenant_suspended(self, conn: Connection, event: Envelope) -> None:
        notice = event.payload
        assert isinstance(notice, TenantSuspended)
        why = notice.reason or "by the platform"
        await holds.suspend_tenant(conn, self._outbox, event.tenant_id, why, event.occurred_at)

    async def tenant_reinstated(self, conn: Connection, event: Envelope) -> None:
        notice = event.payload
        assert isinstance(notice, TenantReinstated)
        why = notice.reason or "by the platform"
        await holds.reinstate_tenant(conn, self._outbox, event.tenant_id, why, event.occurred_at)

    async def finish_if_ended(self, conn: Connection, saga: Saga) -> None:
        """A provisioning saga whose every participant has reported its undo leaves the
        deployment cancelled. Only then: a saga the compensation deadline made
        `compensation_failed` may still have undo work in flight (an abort held up by a broker
        outage), and a deployment said `cancelled` while it holds a droplet, a DNS record and a
        resource is the disagreement the audit flags. Late reports settle it (`compensated`)."""
        if saga.kind is SagaKind.PROVISION and saga.status is SagaStatus.COMPENSATED:
            await self._cancel(conn, saga)

    async def _cancel(self, conn: Connection, saga: Saga) -> None:
        await transitions.system_transition(
            conn,
            self._outbox,
            saga.deployment_id,
            DeploymentState.CANCELLED,
            f"provisioning {saga.status.value}: {saga.reason}",
            saga_id=saga.id,
        )

    async def _saga_of(self, conn: Connection, event: Envelope) -> Saga | None:
        """The event's saga, locked; an event without a saga id is dead-lettered, not dropped."""
        saga_id = require_saga_id(event)
        saga = await sagas.get(conn, saga_id, for_update=True)
        if saga is None:
            log.warning("saga.unknown", saga_id=str(saga_id), type=event.type)
        return saga
