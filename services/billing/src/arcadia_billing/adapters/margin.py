"""Margin per deployment, tenant or plan: subscription revenue against inventory's resource costs."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final
from uuid import UUID

from arcadia_platform.db import Connection


class MarginBy(StrEnum):
    DEPLOYMENT = "deployment"
    TENANT = "tenant"
    PLAN = "plan"


# Whitelisted grouping columns: `by` never reaches the SQL text as given.
GROUPS: Final[dict[MarginBy, str]] = {
    MarginBy.DEPLOYMENT: "f.deployment_id, f.tenant_id, dp.plan_code",
    MarginBy.TENANT: "f.tenant_id",
    MarginBy.PLAN: "dp.plan_code",
}

# One row per fact: a live subscription's monthly revenue, an unreleased resource's monthly
# cost, or a ledger charge; each deployment is labelled with its subscription's plan.
FACTS = """
WITH facts AS (
    SELECT s.deployment_id, s.tenant_id, pv.currency,
           pv.monthly_price_cents + COALESCE(
               (SELECT sum(a.unit_price_cents * a.quantity) FROM subscription_addons a
                WHERE a.subscription_id = s.id), 0) AS revenue,
           0 AS cost, 0 AS billed
    FROM subscriptions s JOIN plan_versions pv ON pv.id = s.plan_version_id
    WHERE s.status IN ('active', 'paused', 'past_due')
    UNION ALL
    SELECT r.deployment_id, r.tenant_id, r.currency, 0, r.monthly_cost_cents, 0
    FROM resources r WHERE r.released_at IS NULL
    UNION ALL
    SELECT l.deployment_id, l.tenant_id, l.currency, 0, 0, l.amount_cents
    FROM ledger_entries l WHERE l.kind IN ('charge', 'proration')
), deployment_plan AS (
    SELECT s.deployment_id, s.tenant_id, pv.plan_code
    FROM subscriptions s JOIN plan_versions pv ON pv.id = s.plan_version_id
)
"""


@dataclass(frozen=True, slots=True)
class MarginRow:
    deployment_id: UUID | None
    tenant_id: str | None
    plan_code: str | None
    currency: str
    revenue_cents: int
    cost_cents: int
    billed_cents: int
    deployments: int

    @property
    def margin_cents(self) -> int:
        return self.revenue_cents - self.cost_cents


class MarginQuery:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def rows(self, by: MarginBy, tenant_id: str | None = None) -> list[MarginRow]:
        group = GROUPS[by]
        rows = await self._conn.fetch(
            f"{FACTS} SELECT {group}, f.currency, sum(f.revenue)::bigint AS revenue,"
            " sum(f.cost)::bigint AS cost, sum(f.billed)::bigint AS billed,"
            " count(DISTINCT f.deployment_id) AS deployments"
            " FROM facts f LEFT JOIN deployment_plan dp"
            " ON dp.deployment_id = f.deployment_id AND dp.tenant_id = f.tenant_id"
            " WHERE $1::text IS NULL OR f.tenant_id = $1"
            f" GROUP BY {group}, f.currency ORDER BY {group}, f.currency",
            tenant_id,
        )
        return [
            MarginRow(
                deployment_id=row.get("deployment_id"),
                tenant_id=row.get("tenant_id"),
                plan_code=row.get("plan_code"),
                currency=row["currency"],
                revenue_cents=row["revenue"],
                cost_cents=row["cost"],
                billed_cents=row["billed"],
                deployments=row["deployments"],
            )
            for row in rows
        ]
