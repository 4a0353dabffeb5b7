"""/api/v1/invoices: tenant-scoped (operators see all and may filter by tenant), paginated."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec
from litestar import Controller, get
from litestar.params import Parameter

from arcadia_api.billing.client import BillingClient
from arcadia_api.http.pagination import Keyset, decode_cursor, encode_cursor
from arcadia_api.http.principal import Principal, tenant_scope
from arcadia_api.http.problems import problem_responses
from arcadia_api.http.tokens import TENANT_ID

InvoiceTenant = Annotated[
    str | None,
    Parameter(
        query="tenant_id",
        pattern=f"^{TENANT_ID.pattern}$",
        description="Operators: only this tenant's invoices (default: every tenant's).",
    ),
]
Limit = Annotated[int, Parameter(query="limit", ge=1, le=200, description="Invoices per page")]
Cursor = Annotated[
    str | None,
    Parameter(query="cursor", max_length=200, description="`next_cursor` of the previous page"),
]


class InvoiceLine(msgspec.Struct, frozen=True, kw_only=True):
    ledger_entry_id: int
    subscription_id: UUID | None
    deployment_id: UUID | None
    kind: str  # charge (a closed period's plan or add-on) or proration
    description: str
    amount_cents: int


class Invoice(msgspec.Struct, frozen=True, kw_only=True):
    invoice_id: UUID
    tenant_id: str
    currency: str
    period_start: datetime
    period_end: datetime
    total_cents: int
    paid_cents: int
    status: str  # open | paid
    issued_at: datetime
    settled_at: datetime | None
    lines: list[InvoiceLine] | None = None


class _BillingPage(msgspec.Struct, frozen=True, kw_only=True):
    invoices: list[Invoice]
    next_before_period: datetime | None
    next_before_id: UUID | None


class InvoicePage(msgspec.Struct, frozen=True, kw_only=True):
    invoices: list[Invoice]
    next_cursor: str | None


class InvoiceController(Controller):
    tags = ["billing"]

    @get("/invoices", responses=problem_responses(400, 401, 403, 422, 502, 503, 504))
    async def invoices(
        self,
        billing: BillingClient,
        principal: Principal,
        tenant_id: InvoiceTenant = None,
        limit: Limit = 50,
        cursor: Cursor = None,
    ) -> InvoicePage:
        """Invoices, newest month first: one per tenant, currency and month of closed periods."""
        before = decode_cursor(cursor, Keyset) if cursor else None
        params: dict[str, str | int | None] = {
            "tenant_id": tenant_scope(principal, tenant_id),
            "limit": limit,
            "before_period": before.at.isoformat() if before else None,
            "before_id": str(before.id) if before else None,
        }
        page = await billing.upstream.get("/invoices", _BillingPage, params=params)
        next_cursor = None
        if page.next_before_period is not None and page.next_before_id is not None:
            next_cursor = encode_cursor(Keyset(page.next_before_period, page.next_before_id))
        return InvoicePage(invoices=page.invoices, next_cursor=next_cursor)

    @get("/invoices/{invoice_id:uuid}", responses=problem_responses(401, 404, 502, 503, 504))
    async def invoice(
        self, billing: BillingClient, principal: Principal, invoice_id: UUID
    ) -> Invoice:
        """One invoice with its lines (ledger entries); another tenant's is a 404."""
        params = {"tenant_id": None if principal.is_operator else principal.tenant_id}
        return await billing.upstream.get(f"/invoices/{invoice_id}", Invoice, params=params)
