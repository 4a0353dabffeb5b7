"""Invoice endpoints: a page of invoices (one tenant's, or every tenant's) and one invoice."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from litestar import Controller, get
from litestar.params import PathParameter, QueryParameter

from arcadia_billing.domain.errors import InvalidRequestError
from arcadia_billing.http.facade import BillingDep
from arcadia_billing.http.params import Limit, OptionalTenantQuery
from arcadia_billing.http.schemas.invoices import InvoiceOut, InvoicePageOut
from arcadia_platform.problems import problem_responses

# A string parsed here, not a `datetime` parameter: Litestar's conversion also takes a bare number
# as a Unix time, so `before_period=-226513987` was accepted (schemathesis: ST201).
BeforePeriod = Annotated[
    str | None,
    QueryParameter(
        description="Invoices of months before this one (cursor): ISO 8601 with a timezone"
    ),
]
BeforeInvoice = Annotated[UUID | None, QueryParameter(description="With before_period (cursor)")]


class InvoiceController(Controller):
    tags = ["invoices"]

    @get("/invoices", responses=problem_responses(422))
    async def invoices(
        self,
        billing: BillingDep,
        tenant_id: OptionalTenantQuery = None,
        limit: Limit = 50,
        before_period: BeforePeriod = None,
        before_id: BeforeInvoice = None,
    ) -> InvoicePageOut:
        """Newest month first; one tenant's with `tenant_id`, else every tenant's (operators)."""
        if (before_period is None) != (before_id is None):
            raise InvalidRequestError("before_period and before_id go together")
        period = _instant(before_period) if before_period is not None else None
        before = (period, before_id) if period and before_id else None
        found = await billing.invoices.page(tenant_id, limit, before)
        last = found[-1] if len(found) == limit else None
        return InvoicePageOut(
            invoices=[InvoiceOut.of(i) for i in found],
            next_before_period=last.period_start if last else None,
            next_before_id=last.id if last else None,
        )

    @get("/invoices/{invoice_id:uuid}", responses=problem_responses(404))
    async def invoice(
        self,
        billing: BillingDep,
        invoice_id: Annotated[UUID, PathParameter()],
        tenant_id: OptionalTenantQuery = None,
    ) -> InvoiceOut:
        """One invoice with its lines; with `tenant_id`, another tenant's is a 404."""
        return InvoiceOut.of(await billing.invoices.get(invoice_id, tenant_id), lines=True)


def _instant(text: str) -> datetime:
    """An ISO 8601 timestamp with its timezone, or a 400."""
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidRequestError("before_period is not an ISO 8601 timestamp") from None
    if parsed.tzinfo is None:
        raise InvalidRequestError("before_period needs a timezone")
    return parsed
