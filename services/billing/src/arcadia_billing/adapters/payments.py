"""Payments billing has heard of, and what it did about each failure."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from arcadia_billing.domain.money import Money
from arcadia_platform.db import Connection


class PaymentLog:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def record(
        self,
        payment_id: str,
        outcome: str,
        tenant_id: str,
        deployment_id: UUID | None,
        amount: Money,
        reason: str | None,
        at: datetime,
    ) -> bool:
        """False when this payment's outcome was already recorded (a re-sent fact)."""
        inserted = await self._conn.fetchval(
            "INSERT INTO payments (payment_id, outcome, tenant_id, deployment_id, amount_cents,"
            " currency, reason, occurred_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
            " ON CONFLICT DO NOTHING RETURNING true",
            payment_id,
            outcome,
            tenant_id,
            deployment_id,
            amount.cents,
            amount.currency,
            reason,
            at,
        )
        return bool(inserted)

    async def record_actions(
        self, payment_id: str, past_due: Sequence[UUID], suppressed: Sequence[UUID]
    ) -> None:
        await self._conn.execute(
            "UPDATE payments SET past_due = $2, suppressed = $3"
            " WHERE payment_id = $1 AND outcome = 'failed'",
            payment_id,
            list(past_due),
            list(suppressed),
        )
