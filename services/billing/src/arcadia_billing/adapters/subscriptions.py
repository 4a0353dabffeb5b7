"""Subscriptions and their add-on lines in PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import asyncpg

from arcadia_billing.adapters.catalog import plan_version
from arcadia_billing.domain.errors import SubscriptionExistsError
from arcadia_billing.domain.money import Money
from arcadia_billing.domain.period import Period
from arcadia_billing.domain.prices import AddonLine, PlanVersion, Proration
from arcadia_billing.domain.subscriptions import Status, Subscription
from arcadia_platform.db import Connection

_PLAN = (
    "{a}.id AS {a}_id, {a}.plan_code AS {a}_plan_code, {a}.version AS {a}_version,"
    " {a}.monthly_price_cents AS {a}_monthly_price_cents, {a}.currency AS {a}_currency,"
    " {a}.droplet_size AS {a}_droplet_size, {a}.trial_days AS {a}_trial_days,"
    " {a}.effective_from AS {a}_effective_from, {a}.retired_at AS {a}_retired_at"
)
SELECT = (
    "SELECT s.*, "
    + _PLAN.format(a="pv")
    + ", "
    + _PLAN.format(a="pp")
    + " FROM subscriptions s JOIN plan_versions pv ON pv.id = s.plan_version_id"
    " LEFT JOIN plan_versions pp ON pp.id = s.period_plan_version_id"
)


def _line(row: asyncpg.Record) -> AddonLine:
    return AddonLine(
        id=row["id"],
        addon_code=row["addon_code"],
        price_id=row["addon_price_id"],
        unit_price=Money(row["unit_price_cents"], row["currency"]),
        quantity=row["quantity"],
        attached_at=row["attached_at"],
    )


class SubscriptionRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def _load(self, where: str, *args: object, lock: bool = False) -> list[Subscription]:
        # Locks the subscription rows only: plan versions are immutable, lines append-only.
        suffix = " FOR UPDATE OF s" if lock else ""
        rows = await self._conn.fetch(
            f"{SELECT} WHERE {where} ORDER BY s.created_at{suffix}", *args
        )
        found = [self._subscription(row) for row in rows]
        if found:
            lines = await self._conn.fetch(
                "SELECT * FROM subscription_addons WHERE subscription_id = ANY($1::uuid[])"
                " ORDER BY attached_at, id",
                [s.id for s in found],
            )
            by_id = {s.id: s for s in found}
            for row in lines:
                by_id[row["subscription_id"]].addons.append(_line(row))
        return found

    @staticmethod
    def _subscription(row: asyncpg.Record) -> Subscription:
        period = None
        if row["current_period_start"] is not None:
            period = Period(row["current_period_start"], row["current_period_end"])
        period_plan: PlanVersion | None = None
        if row["pp_id"] is not None:
            period_plan = plan_version(row, "pp_")
        return Subscription(
            id=row["id"],
            tenant_id=row["tenant_id"],
            deployment_id=row["deployment_id"],
            plan=plan_version(row, "pv_"),
            status=Status(row["status"]),
            created_at=row["created_at"],
            saga_id=row["saga_id"],
            period=period,
            period_plan=period_plan,
            trial_ends_at=row["trial_ends_at"],
            activated_at=row["activated_at"],
            cancelled_at=row["cancelled_at"],
        )

    async def by_deployment(
        self, deployment_id: UUID, *, lock: bool = False
    ) -> Subscription | None:
        found = await self._load("s.deployment_id = $1", deployment_id, lock=lock)
        return found[0] if found else None

    async def by_id(self, subscription_id: UUID, *, lock: bool = False) -> Subscription | None:
        found = await self._load("s.id = $1", subscription_id, lock=lock)
        return found[0] if found else None

    async def by_saga(self, saga_id: UUID, *, lock: bool = False) -> list[Subscription]:
        return await self._load("s.saga_id = $1", saga_id, lock=lock)

    async def live_of_tenant(self, tenant_id: str, *, lock: bool = False) -> list[Subscription]:
        return await self._load(
            "s.tenant_id = $1 AND s.status = ANY($2::text[])",
            tenant_id,
            ["active", "paused", "past_due"],
            lock=lock,
        )

    async def due_for_close(self, as_of: datetime) -> list[UUID]:
        """Subscriptions whose open period ended by `as_of` and is not closed yet."""
        rows = await self._conn.fetch(
            "SELECT s.id FROM subscriptions s WHERE s.current_period_end <= $1"
            " AND NOT EXISTS (SELECT 1 FROM closed_periods c WHERE c.subscription_id = s.id"
            " AND c.period_start = s.current_period_start) ORDER BY s.id",
            as_of,
        )
        return [row["id"] for row in rows]

    async def add(self, subscription: Subscription, actor: str) -> None:
        try:
            # A savepoint: a duplicate is reported, and the caller's transaction lives on.
            async with self._conn.transaction():
                await self._conn.execute(
                    "INSERT INTO subscriptions (id, tenant_id, deployment_id, plan_version_id,"
                    " status,"
                    " saga_id, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    subscription.id,
                    subscription.tenant_id,
                    subscription.deployment_id,
                    subscription.plan.id,
                    subscription.status.value,
                    subscription.saga_id,
                    subscription.created_at,
                    actor,
                )
        except asyncpg.UniqueViolationError as exc:
            raise SubscriptionExistsError(
                f"deployment {subscription.deployment_id} already has a subscription"
            ) from exc
        await self.add_lines(subscription, subscription.addons, actor)
        await self.save(subscription)

    async def add_lines(
        self, subscription: Subscription, lines: Sequence[AddonLine], actor: str
    ) -> None:
        await self._conn.executemany(
            "INSERT INTO subscription_addons (id, subscription_id, addon_code, addon_price_id,"
            " unit_price_cents, currency, quantity, attached_at, attached_by)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            [
                (
                    line.id,
                    subscription.id,
                    line.addon_code,
                    line.price_id,
                    line.unit_price.cents,
                    line.unit_price.currency,
                    line.quantity,
                    line.attached_at,
                    actor,
                )
                for line in lines
            ],
        )

    async def save(self, subscription: Subscription) -> None:
        period = subscription.period
        await self._conn.execute(
            "UPDATE subscriptions SET plan_version_id = $2, period_plan_version_id = $3,"
            " status = $4, current_period_start = $5, current_period_end = $6,"
            " trial_ends_at = $7, activated_at = $8, cancelled_at = $9 WHERE id = $1",
            subscription.id,
            subscription.plan.id,
            subscription.period_plan.id if subscription.period_plan else None,
            subscription.status.value,
            period.start if period else None,
            period.end if period else None,
            subscription.trial_ends_at,
            subscription.activated_at,
            subscription.cancelled_at,
        )

    async def add_plan_change(
        self,
        change_id: UUID,
        subscription: Subscription,
        old: PlanVersion,
        proration: Proration,
        at: datetime,
        actor: str,
    ) -> None:
        await self._conn.execute(
            "INSERT INTO plan_changes (id, subscription_id, from_version_id, to_version_id,"
            " changed_at, changed_by, remaining_days, month_days, credit_cents, charge_cents,"
            " currency) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            change_id,
            subscription.id,
            old.id,
            subscription.plan.id,
            at,
            actor,
            proration.remaining_days,
            proration.month_days,
            proration.credit.cents,
            proration.charge.cents,
            proration.credit.currency,
        )
