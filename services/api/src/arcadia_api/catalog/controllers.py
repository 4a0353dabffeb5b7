"""/api/v1/plans and /addons: the catalog for everyone; new versions and prices for operators."""

from __future__ import annotations

from typing import Annotated, Final

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.params import Parameter

from arcadia_api.billing.client import BillingClient
from arcadia_api.billing.requests import (
    CATALOG_CODE,
    NewAddonPriceRequest,
    NewAddonRequest,
    NewPlanRequest,
    NewPlanVersionRequest,
    NoBody,
)
from arcadia_api.billing.schemas import Addon, AddonPrice, Catalog, Plan, PlanVersion
from arcadia_api.http.auth import operator_only
from arcadia_api.http.principal import Principal
from arcadia_api.http.problems import problem_responses
from arcadia_platform.idempotency import IdempotentPost

AnyRequest = Request[Principal, str, State]
CodePath = Annotated[str, Parameter(pattern=CATALOG_CODE, max_length=63)]
VersionPath = Annotated[int, Parameter(ge=1, le=1_000_000)]
UPSTREAM: Final = (502, 503, 504)
WRITE_ANSWERS: Final = problem_responses(400, 401, 403, 404, 409, 422, *UPSTREAM)


class CatalogController(Controller):
    tags = ["catalog"]

    @get("/plans", responses=problem_responses(401, *UPSTREAM))
    async def list_plans(self, billing: BillingClient) -> Catalog:
        """Every plan (the version on sale now and every version) and every add-on."""
        return await billing.catalog()

    @post("/plans", status_code=201, guards=[operator_only], responses=WRITE_ANSWERS)
    async def add_plan(
        self,
        billing: BillingClient,
        principal: Principal,
        data: NewPlanRequest,
        idempotent: IdempotentPost,
    ) -> Response[Plan]:
        """Operators: a new plan with its version 1."""
        return await idempotent.answer(201, data, lambda _: billing.add_plan(data, principal.sub))

    @post(
        "/plans/{code:str}/versions",
        status_code=201,
        guards=[operator_only],
        responses=WRITE_ANSWERS,
    )
    async def add_plan_version(
        self,
        billing: BillingClient,
        principal: Principal,
        code: CodePath,
        data: NewPlanVersionRequest,
        idempotent: IdempotentPost,
    ) -> Response[PlanVersion]:
        """Operators: a new immutable version, numbered after the last; subscribers keep theirs."""
        return await idempotent.answer(
            201, data, lambda _: billing.add_plan_version(code, data, principal.sub)
        )

    @post(
        "/plans/{code:str}/versions/{version:int}/retire",
        status_code=200,
        guards=[operator_only],
        responses=WRITE_ANSWERS,
    )
    async def retire_plan_version(
        self,
        billing: BillingClient,
        principal: Principal,
        code: CodePath,
        version: VersionPath,
        idempotent: IdempotentPost,
    ) -> Response[PlanVersion]:
        """Operators: take a version off sale (retiring twice is once); subscribers keep it."""
        return await idempotent.answer(
            200, NoBody(), lambda _: billing.retire_plan_version(code, version, principal.sub)
        )

    @post("/addons", status_code=201, guards=[operator_only], responses=WRITE_ANSWERS)
    async def add_addon(
        self,
        billing: BillingClient,
        principal: Principal,
        data: NewAddonRequest,
        idempotent: IdempotentPost,
    ) -> Response[Addon]:
        """Operators: a new add-on with its first price."""
        return await idempotent.answer(201, data, lambda _: billing.add_addon(data, principal.sub))

    @post(
        "/addons/{code:str}/prices",
        status_code=201,
        guards=[operator_only],
        responses=WRITE_ANSWERS,
    )
    async def change_addon_price(
        self,
        billing: BillingClient,
        principal: Principal,
        code: CodePath,
        data: NewAddonPriceRequest,
        idempotent: IdempotentPost,
    ) -> Response[AddonPrice]:
        """Operators: a new catalog price for new attachments; attached lines keep their own."""
        return await idempotent.answer(
            201, data, lambda _: billing.change_addon_price(code, data, principal.sub)
        )
