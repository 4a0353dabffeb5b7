"""Saga step 2 (reserve_subscription) and its compensation, in whatever order they arrive."""

from __future__ import annotations

from uuid import UUID

from arcadia_billing.adapters.publisher import Publisher
from arcadia_billing.adapters.sagas import SagaLog
from arcadia_billing.adapters.subscriptions import SubscriptionRepository
from arcadia_billing.clock import Clock
from arcadia_billing.commands.operations import open_subscription
from arcadia_billing.domain.errors import BillingError, SubscriptionExistsError
from arcadia_billing.domain.subscriptions import DEFAULT_PLAN, Status, Subscription
from arcadia_contracts import Envelope, Event
from arcadia_contracts.events.billing import SubscriptionCompensated, SubscriptionReserved
from arcadia_contracts.events.deployments import (
    DeploymentProvisioningRequested,
    ProvisioningAborted,
)
from arcadia_platform.db import Connection
from arcadia_platform.logs import get_logger
from arcadia_platform.sagas import require_saga_id

log = get_logger(__name__)
STEP = "reserve_subscription"
SAGA_ACTOR = "saga"


class SagaReactions:
    def __init__(self, publisher: Publisher, clock: Clock) -> None:
        self._publisher = publisher
        self._clock = clock

    async def _announce(self, conn: Connection, event: Envelope, fact: Event) -> None:
        await self._publisher.publish(
            conn,
            fact,
            tenant_id=event.tenant_id,
            deployment_id=event.deployment_id,
            caused_by=event,
        )

    async def reserve_subscription(self, conn: Connection, event: Envelope) -> None:
        """Hold a pending subscription, or announce why not: refusals are outcomes, not errors."""
        request = event.payload
        assert isinstance(request, DeploymentProvisioningRequested)
        saga_id = require_saga_id(event)
        if event.deployment_id is None:
            log.warning("saga.request_ignored", event_id=str(event.event_id), why="no deployment")
            return
        sagas = SagaLog(conn)
        saga = await sagas.lock(saga_id, event.tenant_id, event.deployment_id)
        if saga.requested_at is not None:
            return  # the same request, sent again: it was answered the first time
        if saga.aborted_at is not None:
            # DESIGN invariant 4: the abort came first, so the step is never done.
            await sagas.requested(saga_id, event.occurred_at, "compensated")
            await self._announce(conn, event, SubscriptionCompensated(subscription_id=None))
            log.info("saga.reserve_skipped_after_abort", saga_id=str(saga_id))
            return
        try:
            subscription = await self._reserve(conn, event, request, event.deployment_id)
        except BillingError as exc:
            await sagas.requested(saga_id, event.occurred_at, "rejected")
            await self._announce(
                conn, event, ProvisioningAborted(failed_step=STEP, reason=exc.reason)
            )
            log.info("saga.reserve_refused", saga_id=str(saga_id), reason=exc.reason)
            return
        await sagas.requested(saga_id, event.occurred_at, "reserved")
        reserved = SubscriptionReserved(
            subscription_id=str(subscription.id),
            plan_code=subscription.plan.plan_code,
            plan_version=subscription.plan.version,
            droplet_size=subscription.plan.droplet_size,
        )
        await self._announce(conn, event, reserved)

    async def _reserve(
        self,
        conn: Connection,
        event: Envelope,
        request: DeploymentProvisioningRequested,
        deployment_id: UUID,
    ) -> Subscription:
        existing = await SubscriptionRepository(conn).by_deployment(deployment_id, lock=True)
        if existing is not None:
            if existing.tenant_id == event.tenant_id and existing.status is not Status.CANCELLED:
                return existing  # already subscribed (e.g. through the API): that is the holding
            raise SubscriptionExistsError(f"deployment {deployment_id} already had a subscription")
        return await open_subscription(
            conn,
            tenant_id=event.tenant_id,
            deployment_id=deployment_id,
            plan_code=request.plan_code or DEFAULT_PLAN,
            plan_version=None,
            addons=[(addon.code, addon.quantity) for addon in request.addons],
            at=self._clock(),
            actor=SAGA_ACTOR,
            saga_id=event.saga_id,
        )

    async def compensate_subscription(self, conn: Connection, event: Envelope) -> None:
        """Cancel what this saga reserved; an abort heard before the request is remembered."""
        abort = event.payload
        assert isinstance(abort, ProvisioningAborted)
        saga_id = require_saga_id(event)
        sagas = SagaLog(conn)
        saga = await sagas.lock(saga_id, event.tenant_id, event.deployment_id)
        if saga.aborted_at is not None:
            return  # heard already (several participants may announce the same abort)
        record = (saga_id, event.occurred_at, event.producer, abort.failed_step, abort.reason)
        if saga.requested_at is None:
            # Nothing reserved yet: remembered, and reported when the request arrives.
            await sagas.aborted(*record, outcome=None)
            log.info("saga.abort_remembered", saga_id=str(saga_id), outcome=saga.outcome)
            return
        if saga.outcome == "rejected":
            # Our own refusal: nothing to undo, but the api counts every participant's report.
            await sagas.aborted(*record, outcome=None)
            await self._announce(conn, event, SubscriptionCompensated(subscription_id=None))
            return
        cancelled: UUID | None = None
        repository = SubscriptionRepository(conn)
        for subscription in await repository.by_saga(saga_id, lock=True):
            if subscription.tenant_id != event.tenant_id:
                continue
            if subscription.move_to(Status.CANCELLED, event.occurred_at):
                await repository.save(subscription)
            cancelled = subscription.id
        await sagas.aborted(*record, outcome="compensated")
        compensated = SubscriptionCompensated(subscription_id=str(cancelled) if cancelled else None)
        await self._announce(conn, event, compensated)
        log.info("saga.compensated", saga_id=str(saga_id), subscription_id=str(cancelled))
