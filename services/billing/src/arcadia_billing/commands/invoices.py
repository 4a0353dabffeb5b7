"""Reading invoices (they are written by period closes and settled by payments)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from arcadia_billing.adapters.invoices import Invoice, InvoiceRepository
from arcadia_billing.commands import Transactions
from arcadia_billing.domain.errors import InvoiceNotFoundError


class InvoiceQueries:
    def __init__(self, transactions: Transactions) -> None:
        self._tx = transactions

    async def page(
        self, tenant_id: str | None, limit: int, before: tuple[datetime, UUID] | None
    ) -> list[Invoice]:
        async with self._tx.read() as conn:
            return await InvoiceRepository(conn).page(tenant_id, limit, before)

    async def get(self, invoice_id: UUID, tenant_id: str | None) -> Invoice:
        """Another tenant's invoice is missing, exactly like one that does not exist."""
        async with self._tx.read() as conn:
            found = await InvoiceRepository(conn).get(invoice_id, tenant_id)
        if found is None:
            raise InvoiceNotFoundError(f"invoice {invoice_id} not found")
        return found
