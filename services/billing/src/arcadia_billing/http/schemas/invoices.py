"""Invoice response bodies."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from arcadia_billing.adapters.invoices import Invoice, InvoiceLine
from arcadia_billing.http.schemas import Out


class InvoiceLineOut(Out, frozen=True, kw_only=True):
    ledger_entry_id: int
    subscription_id: UUID | None
    deployment_id: UUID | None
    kind: str
    description: str
    amount_cents: int

    @classmethod
    def of(cls, line: InvoiceLine) -> InvoiceLineOut:
        return cls(
            ledger_entry_id=line.ledger_entry_id,
            subscription_id=line.subscription_id,
            deployment_id=line.deployment_id,
            kind=line.kind,
            description=line.description,
            amount_cents=line.amount_cents,
        )


class InvoiceOut(Out, frozen=True, kw_only=True):
    invoice_id: UUID
    tenant_id: str
    currency: str
    period_start: datetime
    period_end: datetime
    total_cents: int
    paid_cents: int
    status: str
    issued_at: datetime
    settled_at: datetime | None
    lines: list[InvoiceLineOut] | None = None  # on GET /invoices/{id} only

    @classmethod
    def of(cls, invoice: Invoice, *, lines: bool = False) -> InvoiceOut:
        return cls(
            invoice_id=invoice.id,
            tenant_id=invoice.tenant_id,
            currency=invoice.currency,
            period_start=invoice.period_start,
            period_end=invoice.period_end,
            total_cents=invoice.total_cents,
            paid_cents=invoice.paid_cents,
            status=invoice.status,
            issued_at=invoice.issued_at,
            settled_at=invoice.settled_at,
            lines=[InvoiceLineOut.of(line) for line in invoice.lines] if lines else None,
        )


class InvoicePageOut(Out, frozen=True, kw_only=True):
    invoices: list[InvoiceOut]
    # Pass both back as before_period/before_id for the next page; null: this was the last.
    next_before_period: datetime | None
    next_before_id: UUID | None
