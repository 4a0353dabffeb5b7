"""Plans, plan versions and add-on prices in PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import asyncpg

from arcadia_billing.domain.errors import (
    AddonNotFoundError,
    AlreadyExistsError,
    ConflictError,
    PlanNotFoundError,
    PlanRetiredError,
    UnknownAddonError,
    UnknownPlanError,
)
from arcadia_billing.domain.money import Money
from arcadia_billing.domain.prices import Addon, AddonPrice, Plan, PlanVersion
from arcadia_platform.db import Connection

VERSION_COLUMNS = (
    "pv.id, pv.plan_code, pv.version, pv.monthly_price_cents, pv.currency, pv.droplet_size,"
    " pv.trial_days, pv.effective_from, pv.retired_at"
)


def plan_version(row: asyncpg.Record, prefix: str = "") -> PlanVersion:
    return PlanVersion(
        id=row[f"{prefix}id"],
        plan_code=row[f"{prefix}plan_code"],
        version=row[f"{prefix}version"],
        monthly_price=Money(row[f"{prefix}monthly_price_cents"], row[f"{prefix}currency"]),
        droplet_size=row[f"{prefix}droplet_size"],
        trial_days=row[f"{prefix}trial_days"],
        effective_from=row[f"{prefix}effective_from"],
        retired_at=row[f"{prefix}retired_at"],
    )


def addon_price(row: asyncpg.Record) -> AddonPrice:
    return AddonPrice(
        row["id"],
        row["addon_code"],
        Money(row["price_cents"], row["currency"]),
        row["effective_from"],
    )


class CatalogRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def currencies(self) -> set[str]:
        """The currencies billing prices anything in: a payment in another can settle nothing."""
        rows = await self._conn.fetch(
            "SELECT currency FROM plan_versions UNION SELECT currency FROM addon_prices"
        )
        return {row["currency"] for row in rows}

    async def plans(self, code: str | None = None) -> list[Plan]:
        rows = await self._conn.fetch(
            f"SELECT p.code, p.name, {VERSION_COLUMNS} FROM plans p"
            " LEFT JOIN plan_versions pv ON pv.plan_code = p.code"
            " WHERE $1::text IS NULL OR p.code = $1 ORDER BY p.code, pv.version",
            code,
        )
        plans: dict[str, Plan] = {}
        for row in rows:
            plan = plans.setdefault(row["code"], Plan(row["code"], row["name"], []))
            if row["id"] is not None:
                plan.versions.append(plan_version(row))
        return list(plans.values())

    async def plan(self, code: str) -> Plan:
        found = await self.plans(code)
        if not found:
            raise PlanNotFoundError(f"plan {code!r} does not exist")
        return found[0]

    async def resolve_plan(
        self, code: str, at: datetime, version: int | None = None
    ) -> PlanVersion:
        """The version to bind a subscription to: `version`, or the plan's current one."""
        found = await self.plans(code)
        if not found:
            raise UnknownPlanError(f"plan {code!r} does not exist")
        plan = found[0]
        if version is None:
            current = plan.current(at)
            if current is None:
                raise PlanRetiredError(f"plan {code!r} has no version on sale")
            return current
        chosen = next((v for v in plan.versions if v.version == version), None)
        if chosen is None:
            raise UnknownPlanError(f"plan {code!r} has no version {version}")
        if not chosen.available_at(at):
            raise PlanRetiredError(f"{chosen.label} is not on sale")
        return chosen

    async def addons(self, code: str | None = None) -> list[Addon]:
        rows = await self._conn.fetch(
            "SELECT a.code, a.name, a.unit, ap.id, ap.addon_code, ap.price_cents, ap.currency,"
            " ap.effective_from FROM addons a JOIN addon_prices ap ON ap.addon_code = a.code"
            " WHERE $1::text IS NULL OR a.code = $1"
            " ORDER BY a.code, ap.effective_from DESC, ap.id DESC",
            code,
        )
        addons: dict[str, Addon] = {}
        for row in rows:
            addon = addons.setdefault(row["code"], Addon(row["code"], row["name"], row["unit"], []))
            addon.prices.append(addon_price(row))
        return list(addons.values())

    async def resolve_addons(
        self, requested: Sequence[tuple[str, int]], at: datetime
    ) -> list[tuple[AddonPrice, int]]:
        """Each requested add-on's price now (to snapshot), in the order asked."""
        known = {addon.code: addon for addon in await self.addons()}
        resolved = []
        for code, quantity in requested:
            addon = known.get(code)
            price = addon.current(at) if addon else None
            if price is None:
                raise UnknownAddonError(f"add-on {code!r} does not exist")
            resolved.append((price, quantity))
        return resolved

    async def add_plan(self, code: str, name: str, actor: str) -> None:
        try:
            await self._conn.execute(
                "INSERT INTO plans (code, name, created_by) VALUES ($1, $2, $3)", code, name, actor
            )
        except asyncpg.UniqueViolationError as exc:
            raise AlreadyExistsError(f"plan {code!r} already exists") from exc

    async def add_version(
        self,
        plan_code: str,
        price: Money,
        droplet_size: str,
        trial_days: int,
        effective_from: datetime,
        actor: str,
    ) -> PlanVersion:
        """The next version number of the plan (the plan row is locked while it is chosen)."""
        if (
            await self._conn.fetchval("SELECT 1 FROM plans WHERE code = $1 FOR UPDATE", plan_code)
            is None
        ):
            raise PlanNotFoundError(f"plan {plan_code!r} does not exist")
        row = await self._conn.fetchrow(
            "INSERT INTO plan_versions AS pv (plan_code, version, monthly_price_cents, currency,"
            " droplet_size, trial_days, effective_from, created_by)"
            " SELECT $1, COALESCE(max(version), 0) + 1, $2, $3, $4, $5, $6, $7"
            " FROM plan_versions WHERE plan_code = $1"
            f" RETURNING {VERSION_COLUMNS}",
            plan_code,
            price.cents,
            price.currency,
            droplet_size,
            trial_days,
            effective_from,
            actor,
        )
        assert row is not None
        return plan_version(row)

    async def retire_version(self, plan_code: str, version: int, at: datetime) -> PlanVersion:
        row = await self._conn.fetchrow(
            f"SELECT {VERSION_COLUMNS} FROM plan_versions pv"
            " WHERE pv.plan_code = $1 AND pv.version = $2 FOR UPDATE",
            plan_code,
            version,
        )
        if row is None:
            raise PlanNotFoundError(f"plan {plan_code!r} has no version {version}")
        if row["retired_at"] is not None:
            return plan_version(row)  # retiring twice is the same as once
        row = await self._conn.fetchrow(
            f"UPDATE plan_versions pv SET retired_at = $2 WHERE id = $1 RETURNING {VERSION_COLUMNS}",
            row["id"],
            at,
        )
        assert row is not None
        return plan_version(row)

    async def add_addon(self, code: str, name: str, unit: str, actor: str) -> None:
        try:
            await self._conn.execute(
                "INSERT INTO addons (code, name, unit, created_by) VALUES ($1, $2, $3, $4)",
                code,
                name,
                unit,
                actor,
            )
        except asyncpg.UniqueViolationError as exc:
            raise AlreadyExistsError(f"add-on {code!r} already exists") from exc

    async def add_addon_price(
        self, code: str, price: Money, effective_from: datetime, actor: str
    ) -> AddonPrice:
        """A new row in the add-on's price history; existing snapshots keep theirs."""
        if (
            await self._conn.fetchval("SELECT 1 FROM addons WHERE code = $1 FOR UPDATE", code)
            is None
        ):
            raise AddonNotFoundError(f"add-on {code!r} does not exist")
        currencies = await self._conn.fetchval(
            "SELECT array_agg(DISTINCT currency) FROM addon_prices WHERE addon_code = $1", code
        )
        if currencies and price.currency not in currencies:
            raise ConflictError(f"add-on {code!r} is priced in {', '.join(currencies)}")
        row = await self._conn.fetchrow(
            "INSERT INTO addon_prices (addon_code, price_cents, currency, effective_from,"
            " created_by) VALUES ($1, $2, $3, $4, $5)"
            " RETURNING id, addon_code, price_cents, currency, effective_from",
            code,
            price.cents,
            price.currency,
            effective_from,
            actor,
        )
        assert row is not None
        return addon_price(row)
