"""The billing cycle's schedule in PostgreSQL: trials and dunning that are due, taken under
FOR UPDATE SKIP LOCKED so that several instances never act on the same subscription at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from arcadia_platform.db import Connection

LIVE = ["active", "paused", "past_due"]


@dataclass(frozen=True, slots=True)
class Due:
    subscription_id: UUID
    tenant_id: str
    deployment_id: UUID
    at: datetime | None  # when it fell due (the trial's end, the start of the arrears)
    overridden: bool  # the operator's billing override is set on the deployment


_DUE = (
    "SELECT s.id, s.tenant_id, s.deployment_id, s.{at} AS at,"
    " coalesce(d.billing_action_suspended, false) AS overridden"
    " FROM subscriptions s LEFT JOIN deployments d ON d.deployment_id = s.deployment_id"
)


def _due(rows: list) -> list[Due]:  # type: ignore[type-arg]
    return [
        Due(r["id"], r["tenant_id"], r["deployment_id"], r["at"], r["overridden"]) for r in rows
    ]


class ScheduleRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def trials_due(self, now: datetime, limit: int) -> list[Due]:
        rows = await self._conn.fetch(
            _DUE.format(at="trial_ends_at") + " WHERE s.trial_ends_at <= $1"
            " AND s.trial_ended_at IS NULL AND s.status = ANY($2::text[])"
            " ORDER BY s.trial_ends_at LIMIT $3 FOR UPDATE OF s SKIP LOCKED",
            now,
            LIVE,
            limit,
        )
        return _due(rows)

    async def mark_trial_ended(self, subscription_id: UUID, at: datetime) -> None:
        await self._conn.execute(
            "UPDATE subscriptions SET trial_ended_at = $2 WHERE id = $1", subscription_id, at
        )

    async def dunning_due(self, cutoff: datetime, limit: int) -> list[Due]:
        """Past due since before `cutoff` (now less the grace period), not suspended yet, and
        not spared by the operator's override (those stay where they are)."""
        rows = await self._conn.fetch(
            _DUE.format(at="past_due_since") + " WHERE s.past_due_since <= $1"
            " AND s.dunning_suspended_at IS NULL AND s.status = 'past_due'"
            " AND NOT coalesce(d.billing_action_suspended, false)"
            " ORDER BY s.past_due_since LIMIT $2 FOR UPDATE OF s SKIP LOCKED",
            cutoff,
            limit,
        )
        return _due(rows)

    async def mark_dunning_suspended(self, subscription_id: UUID, at: datetime) -> None:
        await self._conn.execute(
            "UPDATE subscriptions SET dunning_suspended_at = $2 WHERE id = $1", subscription_id, at
        )

    async def start_dunning(self, subscription_id: UUID, at: datetime) -> None:
        """A failed payment made it past due: the grace period counts from `at`."""
        await self._conn.execute(
            "UPDATE subscriptions SET past_due_since = $2, dunning_suspended_at = NULL"
            " WHERE id = $1",
            subscription_id,
            at,
        )

    async def clear_dunning(self, subscription_id: UUID) -> None:
        await self._conn.execute(
            "UPDATE subscriptions SET past_due_since = NULL, dunning_suspended_at = NULL"
            " WHERE id = $1 AND (past_due_since IS NOT NULL OR dunning_suspended_at IS NOT NULL)",
            subscription_id,
        )

    async def end_dunning(self, tenant_id: str) -> list[Due]:
        """A payment came in: every subscription of the tenant in dunning leaves it (those the
        override spares included: their deployment stays where the operator keeps it)."""
        rows = await self._conn.fetch(
            "WITH ended AS (UPDATE subscriptions s SET past_due_since = NULL,"
            " dunning_suspended_at = NULL WHERE s.tenant_id = $1 AND s.status <> 'cancelled'"
            " AND (s.past_due_since IS NOT NULL OR s.dunning_suspended_at IS NOT NULL)"
            " RETURNING s.id, s.tenant_id, s.deployment_id, s.past_due_since AS at)"
            " SELECT e.*, coalesce(d.billing_action_suspended, false) AS overridden"
            " FROM ended e LEFT JOIN deployments d ON d.deployment_id = e.deployment_id",
            tenant_id,
        )
        return _due(rows)
