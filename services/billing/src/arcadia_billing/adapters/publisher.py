"""What billing announces on its topic, written to the outbox in the caller's transaction."""

from __future__ import annotations

from uuid import UUID

import msgspec

from arcadia_billing.adapters.subscriptions import SubscriptionRepository
from arcadia_contracts import Envelope, Event, envelope, topics
from arcadia_contracts.events.billing import SubscriptionChanged, SubscriptionView
from arcadia_platform.db import Connection
from arcadia_platform.outbox import Outbox

PRODUCER = "billing"


class Publisher:
    def __init__(self, outbox: Outbox) -> None:
        self._outbox = outbox

    async def publish(
        self,
        conn: Connection,
        payload: Event,
        *,
        tenant_id: str,
        deployment_id: UUID | None,
        caused_by: Envelope | None = None,
    ) -> Envelope:
        event = envelope(
            payload,
            producer=PRODUCER,
            tenant_id=tenant_id,
            deployment_id=deployment_id,
            caused_by=caused_by,
        )
        await self._outbox.add(conn, topics.BILLING, event)
        subscription_id = getattr(payload, "subscription_id", None)
        if subscription_id and not isinstance(payload, SubscriptionChanged):
            await self.announce(conn, UUID(str(subscription_id)), caused_by=caused_by)
        return event

    async def announce(
        self, conn: Connection, subscription_id: UUID, *, caused_by: Envelope | None = None
    ) -> None:
        """SubscriptionChanged: the subscription as billing's API shows it, for the gateway's
        read model. The row lock orders the revisions of one subscription as its commits."""
        # Imported here: the response schemas import the commands, which import this module.
        from arcadia_billing.http.schemas.subscriptions import SubscriptionOut

        found = await SubscriptionRepository(conn).by_id(subscription_id, lock=True)
        if found is None:
            return
        revision = await conn.fetchval("SELECT nextval('subscription_revisions')")
        view = msgspec.convert(msgspec.to_builtins(SubscriptionOut.of(found)), SubscriptionView)
        changed = SubscriptionChanged(
            subscription_id=str(found.id), revision=revision, status=found.status.value, view=view
        )
        await self.publish(
            conn,
            changed,
            tenant_id=found.tenant_id,
            deployment_id=found.deployment_id,
            caused_by=caused_by,
        )

    def wake_relay(self) -> None:
        """After a commit outside a consumer (the HTTP API): publish now, not at the next poll."""
        self._outbox.notify()
