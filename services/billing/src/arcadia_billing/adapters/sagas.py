"""Billing's log of provisioning sagas: whether it saw the request and/or the abort, in any order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from arcadia_platform.db import Connection


@dataclass(frozen=True, slots=True)
class SagaView:
    saga_id: UUID
    requested_at: datetime | None
    aborted_at: datetime | None
    outcome: str | None


class SagaLog:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def lock(self, saga_id: UUID, tenant_id: str, deployment_id: UUID | None) -> SagaView:
        """The saga's row, created if new, locked until the transaction ends."""
        await self._conn.execute(
            "INSERT INTO sagas (saga_id, tenant_id, deployment_id) VALUES ($1, $2, $3)"
            " ON CONFLICT DO NOTHING",
            saga_id,
            tenant_id,
            deployment_id,
        )
        row = await self._conn.fetchrow(
            "SELECT saga_id, requested_at, aborted_at, outcome FROM sagas"
            " WHERE saga_id = $1 FOR UPDATE",
            saga_id,
        )
        assert row is not None
        return SagaView(row["saga_id"], row["requested_at"], row["aborted_at"], row["outcome"])

    async def requested(self, saga_id: UUID, at: datetime, outcome: str | None) -> None:
        await self._conn.execute(
            "UPDATE sagas SET requested_at = $2, outcome = COALESCE($3, outcome)"
            " WHERE saga_id = $1",
            saga_id,
            at,
            outcome,
        )

    async def aborted(
        self,
        saga_id: UUID,
        at: datetime,
        producer: str,
        step: str,
        reason: str,
        outcome: str | None,
    ) -> None:
        await self._conn.execute(
            "UPDATE sagas SET aborted_at = $2, abort_producer = $3, abort_step = $4,"
            " abort_reason = $5, outcome = COALESCE($6, outcome) WHERE saga_id = $1",
            saga_id,
            at,
            producer,
            step,
            reason,
            outcome,
        )
