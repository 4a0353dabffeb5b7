"""Catalog endpoints: plans with their versions, add-ons with their price history."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK

from arcadia_billing.domain.money import Money
from arcadia_billing.http.facade import BillingDep
from arcadia_billing.http.params import CodePath, VersionPath
from arcadia_billing.http.schemas.catalog import (
    AddonOut,
    AddonPriceOut,
    AddonsOut,
    CatalogOut,
    PlanOut,
    PlanVersionOut,
)
from arcadia_billing.http.schemas.requests import (
    NewAddon,
    NewAddonPrice,
    NewPlan,
    NewPlanVersion,
    OperatorAction,
)
from arcadia_platform.problems import problem_responses


class CatalogController(Controller):
    tags = ["catalog"]

    @get("/plans")
    async def list_plans(self, billing: BillingDep) -> CatalogOut:
        """Every plan (current version and full version history) and every add-on."""
        now = billing.now()
        plans = await billing.catalog.plans()
        addons = await billing.catalog.addons()
        return CatalogOut(
            plans=[PlanOut.of(p, now) for p in plans], addons=[AddonOut.of(a, now) for a in addons]
        )

    @get("/plans/{code:str}", responses=problem_responses(404))
    async def get_plan(self, billing: BillingDep, code: CodePath) -> PlanOut:
        return PlanOut.of(await billing.catalog.plan(code), billing.now())

    @post("/plans", responses=problem_responses(409))
    async def add_plan(self, billing: BillingDep, data: JSONBody[NewPlan]) -> PlanOut:
        """A new plan with its version 1 (operators)."""
        plan = await billing.catalog.add_plan(
            data.code,
            data.name,
            Money(data.monthly_price_cents, data.currency),
            data.droplet_size,
            data.trial_days,
            data.actor,
        )
        return PlanOut.of(plan, billing.now())

    @post("/plans/{code:str}/versions", responses=problem_responses(404, 422))
    async def add_plan_version(
        self, billing: BillingDep, code: CodePath, data: JSONBody[NewPlanVersion]
    ) -> PlanVersionOut:
        """A new immutable version: how a plan's price changes (operators)."""
        version = await billing.catalog.add_plan_version(
            code,
            Money(data.monthly_price_cents, data.currency),
            data.droplet_size,
            data.trial_days,
            data.effective_from,
            data.actor,
        )
        return PlanVersionOut.of(version)

    @post(
        "/plans/{code:str}/versions/{version:int}/retire",
        status_code=HTTP_200_OK,
        responses=problem_responses(404),
    )
    async def retire_plan_version(
        self,
        billing: BillingDep,
        code: CodePath,
        version: VersionPath,
        data: JSONBody[OperatorAction],
    ) -> PlanVersionOut:
        """Take a version off sale (once); its subscribers keep it (operators)."""
        retired = await billing.catalog.retire_plan_version(code, version, data.actor)
        return PlanVersionOut.of(retired)

    @get("/addons")
    async def list_addons(self, billing: BillingDep) -> AddonsOut:
        now = billing.now()
        return AddonsOut(addons=[AddonOut.of(a, now) for a in await billing.catalog.addons()])

    @post("/addons", responses=problem_responses(409))
    async def add_addon(self, billing: BillingDep, data: JSONBody[NewAddon]) -> AddonOut:
        """A new add-on with its first price (operators)."""
        addon = await billing.catalog.add_addon(
            data.code, data.name, data.unit, Money(data.price_cents, data.currency), data.actor
        )
        return AddonOut.of(addon, billing.now())

    @post("/addons/{code:str}/prices", responses=problem_responses(404, 409, 422))
    async def change_addon_price(
        self, billing: BillingDep, code: CodePath, data: JSONBody[NewAddonPrice]
    ) -> AddonPriceOut:
        """A new catalog price for new attachments; existing subscribers keep their snapshot."""
        price = await billing.catalog.change_addon_price(
            code, Money(data.price_cents, data.currency), data.effective_from, data.actor
        )
        return AddonPriceOut.of(price)
