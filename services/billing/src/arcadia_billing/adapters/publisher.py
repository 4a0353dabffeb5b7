"""What billing announces on its topic, written to the outbox in the caller's transaction."""

from __future__ import annotations

from uuid import UUID

from arcadia_contracts import Envelope, Event, envelope, topics
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
        return event

    def wake_relay(self) -> None:
        """After a commit outside a consumer (the HTTP API): publish now, not at the next poll."""
        self._outbox.notify()
