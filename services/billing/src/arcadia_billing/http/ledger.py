"""Ledger endpoints: balances, entries, credits, margin, and closing billing periods."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK

from arcadia_billing.adapters.margin import MarginBy
from arcadia_billing.domain.money import Money
from arcadia_billing.http.facade import BillingDep
from arcadia_billing.http.params import BeforeId, By, Limit, OptionalTenantQuery, TenantPath
from arcadia_billing.http.schemas.ledger import (
    BalanceOut,
    BalancesOut,
    ClosedPeriodOut,
    ClosePeriodsOut,
    CreditOut,
    LedgerEntryOut,
    LedgerOut,
    MarginOut,
    MarginRowOut,
)
from arcadia_billing.http.schemas.requests import ClosePeriods, GrantCredit
from arcadia_platform.problems import problem_responses


class LedgerController(Controller):
    tags = ["ledger"]

    @get("/balances", responses=problem_responses())
    async def balances(
        self, billing: BillingDep, tenant_id: OptionalTenantQuery = None
    ) -> BalancesOut:
        """Every tenant's balance per currency (operators), or one tenant's with `tenant_id`."""
        found = await billing.ledger.balances(tenant_id)
        return BalancesOut(balances=[BalanceOut.of(b) for b in found])

    @get("/tenants/{tenant_id:str}/balance", responses=problem_responses())
    async def tenant_balance(self, billing: BillingDep, tenant_id: TenantPath) -> BalancesOut:
        """One tenant's balance per currency: the sum of its ledger (empty: nothing yet)."""
        found = await billing.ledger.balances(tenant_id)
        return BalancesOut(balances=[BalanceOut.of(b) for b in found])

    @get("/tenants/{tenant_id:str}/ledger", responses=problem_responses())
    async def tenant_ledger(
        self,
        billing: BillingDep,
        tenant_id: TenantPath,
        limit: Limit = 100,
        before_id: BeforeId = None,
    ) -> LedgerOut:
        """The tenant's entries, newest first; page with `before_id=next_before_id`."""
        entries = await billing.ledger.entries(tenant_id, limit, before_id)
        return LedgerOut(
            tenant_id=tenant_id,
            entries=[LedgerEntryOut.of(e) for e in entries],
            next_before_id=entries[-1].id if len(entries) == limit else None,
        )

    @post("/tenants/{tenant_id:str}/credits", responses=problem_responses())
    async def grant_credit(
        self, billing: BillingDep, tenant_id: TenantPath, data: JSONBody[GrantCredit]
    ) -> CreditOut:
        """An operator's credit; the same idempotency_key again adds nothing (created: false)."""
        created = await billing.ledger.grant_credit(
            tenant_id,
            Money(data.amount_cents, data.currency),
            data.reason,
            data.idempotency_key,
            data.actor,
        )
        found = await billing.ledger.balances(tenant_id)
        return CreditOut(created=created, balances=[BalanceOut.of(b) for b in found])

    @get("/margin", responses=problem_responses())
    async def margin(
        self,
        billing: BillingDep,
        by: By = MarginBy.DEPLOYMENT,
        tenant_id: OptionalTenantQuery = None,
    ) -> MarginOut:
        """Monthly revenue against monthly resource cost, per deployment, tenant or plan."""
        rows = await billing.ledger.margin(by, tenant_id)
        return MarginOut(by=by.value, rows=[MarginRowOut.of(r) for r in rows])

    @post("/periods/close", status_code=HTTP_200_OK, responses=problem_responses(422))
    async def close_periods(
        self, billing: BillingDep, data: JSONBody[ClosePeriods]
    ) -> ClosePeriodsOut:
        """Charge every period that ended by `as_of` (not in the future); idempotent."""
        closed = await billing.ledger.close_periods(data.as_of, data.actor)
        return ClosePeriodsOut(as_of=data.as_of, closed=[ClosedPeriodOut.of(c) for c in closed])
