"""Publishes inventory events through the transactional outbox, as reactions to a cause."""

from __future__ import annotations

from typing import Final

from arcadia_contracts import Envelope, Event, envelope, topics
from arcadia_platform.db import Connection
from arcadia_platform.outbox import Outbox

PRODUCER: Final = "inventory"


class OutboxPublisher:
    """Writes events in the caller's transaction; they inherit the cause's saga and correlation."""

    def __init__(self, outbox: Outbox) -> None:
        self._outbox = outbox

    async def __call__(self, conn: Connection, cause: Envelope, *payloads: Event) -> None:
        await self._outbox.add(
            conn,
            topics.INVENTORY,
            *(
                envelope(
                    payload,
                    producer=PRODUCER,
                    tenant_id=cause.tenant_id,
                    deployment_id=cause.deployment_id,
                    caused_by=cause,
                )
                for payload in payloads
            ),
        )
