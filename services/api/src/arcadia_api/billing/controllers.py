"""/api/v1/billing/balance (own tenant; operators any or all) and /dashboard/margin (operators)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.params import Parameter

from arcadia_api.billing.client import BillingClient
from arcadia_api.billing.schemas import Balances, Margin, MarginBy
from arcadia_api.http.auth import operator_only
from arcadia_api.http.principal import Principal, tenant_scope
from arcadia_api.http.problems import problem_responses
from arcadia_api.http.tokens import TENANT_ID

TENANT_PATTERN = f"^{TENANT_ID.pattern}$"
BalanceTenant = Annotated[
    str | None,
    Parameter(
        query="tenant_id",
        pattern=TENANT_PATTERN,
        description="Operators: this tenant's balance (default: every tenant's). Others: their own.",
    ),
]
MarginTenant = Annotated[
    str | None,
    Parameter(query="tenant_id", pattern=TENANT_PATTERN, description="Only this tenant's rows."),
]
GroupBy = Annotated[
    MarginBy,
    Parameter(query="by", description="One row per deployment, tenant or plan (and currency)."),
]


class BillingController(Controller):
    tags = ["billing"]

    @get("/billing/balance", responses=problem_responses(400, 401, 403, 502, 503, 504))
    async def balance(
        self, billing: BillingClient, principal: Principal, tenant_id: BalanceTenant = None
    ) -> Balances:
        """The ledger's sum per tenant and currency: positive owes, negative is in credit."""
        return await billing.balances(tenant_scope(principal, tenant_id))

    @get(
        "/dashboard/margin",
        guards=[operator_only],
        responses=problem_responses(400, 401, 403, 502, 503, 504),
    )
    async def margin(
        self,
        billing: BillingClient,
        by: GroupBy = MarginBy.DEPLOYMENT,
        tenant_id: MarginTenant = None,
    ) -> Margin:
        """Operators: monthly revenue (subscriptions) against monthly cost (cloud resources)."""
        return await billing.margin(by, tenant_id)
