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
from arcadia_api.http.idempotency import Idempotency, IdempotencyKey, Outcome, outcome, respond
from arcadia_api.http.principal import Principal
from arcadia_api.http.problems import problem_responses
from arcadia_platform.db import Connection

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
        request: AnyRequest,
        idempotency: Idempotency,
        billing: BillingClient,
        principal: Principal,
        data: NewPlanRequest,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[Plan]:
        """Operators: a new plan with its version 1."""

        async def work(_: Connection) -> Outcome:
            return outcome(201, await billing.add_plan(data, principal.sub))

        return await respond(request, idempotency, principal, idempotency_key, data, work)

    @post(
        "/plans/{code:str}/versions",
        status_code=201,
        guards=[operator_only],
        responses=WRITE_ANSWERS,
    )
    async def add_plan_version(
        self,
        request: AnyRequest,
        idempotency: Idempotency,
        billing: BillingClient,
        principal: Principal,
        code: CodePath,
        data: NewPlanVersionRequest,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[PlanVersion]:
        """Operators: a new immutable version, numbered after the last; subscribers keep theirs."""

        async def work(_: Connection) -> Outcome:
            return outcome(201, await billing.add_plan_version(code, data, principal.sub))

        return await respond(request, idempotency, principal, idempotency_key, data, work)

    @post(
        "/plans/{code:str}/versions/{version:int}/retire",
        status_code=200,
        guards=[operator_only],
        responses=WRITE_ANSWERS,
    )
    async def retire_plan_version(
        self,
        request: AnyRequest,
        idempotency: Idempotency,
        billing: BillingClient,
        principal: Principal,
        code: CodePath,
        version: VersionPath,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[PlanVersion]:
        """Operators: take a version off sale (retiring twice is once); subscribers keep it."""

        async def work(_: Connection) -> Outcome:
            return outcome(200, await billing.retire_plan_version(code, version, principal.sub))

        return await respond(request, idempotency, principal, idempotency_key, NoBody(), work)

    @post("/addons", status_code=201, guards=[operator_only], responses=WRITE_ANSWERS)
    async def add_addon(
        self,
        request: AnyRequest,
        idempotency: Idempotency,
        billing: BillingClient,
        principal: Principal,
        data: NewAddonRequest,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[Addon]:
        """Operators: a new add-on with its first price."""

        async def work(_: Connection) -> Outcome:
            return outcome(201, await billing.add_addon(data, principal.sub))

        return await respond(request, idempotency, principal, idempotency_key, data, work)

    @post(
        "/addons/{code:str}/prices",
        status_code=201,
        guards=[operator_only],
        responses=WRITE_ANSWERS,
    )
    async def change_addon_price(
        self,
        request: AnyRequest,
        idempotency: Idempotency,
        billing: BillingClient,
        principal: Principal,
        code: CodePath,
        data: NewAddonPriceRequest,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[AddonPrice]:
        """Operators: a new catalog price for new attachments; attached lines keep their own."""

        async def work(_: Connection) -> Outcome:
            return outcome(201, await billing.change_addon_price(code, data, principal.sub))

        return await respond(request, idempotency, principal, idempotency_key, data, work)
