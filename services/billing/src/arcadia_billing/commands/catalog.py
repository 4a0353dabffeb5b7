"""Operator actions on the catalog: plans, plan versions, add-ons and add-on prices."""

from __future__ import annotations

from datetime import datetime

from arcadia_billing.adapters.catalog import CatalogRepository
from arcadia_billing.clock import Clock
from arcadia_billing.commands import Transactions
from arcadia_billing.domain.money import Money
from arcadia_billing.domain.prices import Addon, AddonPrice, Plan, PlanVersion
from arcadia_billing.domain.subscriptions import business_time
from arcadia_platform.logs import get_logger

log = get_logger(__name__)


class CatalogCommands:
    def __init__(self, transactions: Transactions, clock: Clock) -> None:
        self._tx = transactions
        self._clock = clock

    def _effective(self, effective_from: datetime | None) -> datetime:
        if effective_from is None:
            return self._clock()
        return business_time(effective_from, "effective_from")

    async def plans(self) -> list[Plan]:
        async with self._tx.read() as conn:
            return await CatalogRepository(conn).plans()

    async def plan(self, code: str) -> Plan:
        async with self._tx.read() as conn:
            return await CatalogRepository(conn).plan(code)

    async def addons(self) -> list[Addon]:
        async with self._tx.read() as conn:
            return await CatalogRepository(conn).addons()

    async def add_plan(
        self, code: str, name: str, price: Money, droplet_size: str, trial_days: int, actor: str
    ) -> Plan:
        async with self._tx.begin() as conn:
            catalog = CatalogRepository(conn)
            await catalog.add_plan(code, name, actor)
            await catalog.add_version(code, price, droplet_size, trial_days, self._clock(), actor)
            plan = await catalog.plan(code)
        log.info("catalog.plan_added", plan=code, actor=actor)
        return plan

    async def add_plan_version(
        self,
        code: str,
        price: Money,
        droplet_size: str,
        trial_days: int,
        effective_from: datetime | None,
        actor: str,
    ) -> PlanVersion:
        async with self._tx.begin() as conn:
            version = await CatalogRepository(conn).add_version(
                code, price, droplet_size, trial_days, self._effective(effective_from), actor
            )
        log.info("catalog.plan_version_added", plan=version.label, actor=actor)
        return version

    async def retire_plan_version(self, code: str, version: int, actor: str) -> PlanVersion:
        """Off sale from now on; subscribers bound to it keep it."""
        async with self._tx.begin() as conn:
            retired = await CatalogRepository(conn).retire_version(code, version, self._clock())
        log.info("catalog.plan_version_retired", plan=retired.label, actor=actor)
        return retired

    async def add_addon(self, code: str, name: str, unit: str, price: Money, actor: str) -> Addon:
        async with self._tx.begin() as conn:
            catalog = CatalogRepository(conn)
            await catalog.add_addon(code, name, unit, actor)
            await catalog.add_addon_price(code, price, self._clock(), actor)
            (addon,) = await catalog.addons(code)
        log.info("catalog.addon_added", addon=code, actor=actor)
        return addon

    async def change_addon_price(
        self, code: str, price: Money, effective_from: datetime | None, actor: str
    ) -> AddonPrice:
        async with self._tx.begin() as conn:
            added = await CatalogRepository(conn).add_addon_price(
                code, price, self._effective(effective_from), actor
            )
        log.info("catalog.addon_price_changed", addon=code, cents=price.cents, actor=actor)
        return added
