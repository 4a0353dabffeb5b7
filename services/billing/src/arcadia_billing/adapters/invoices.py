"""Invoices in PostgreSQL: one per tenant, currency and calendar month, lines from the ledger."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID, uuid4

import asyncpg

from arcadia_billing.domain.period import Period
from arcadia_platform.db import Connection

INVOICED_KINDS = ["charge", "proration"]


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    ledger_entry_id: int
    subscription_id: UUID | None
    deployment_id: UUID | None
    kind: str
    description: str
    amount_cents: int


@dataclass(frozen=True, slots=True)
class Invoice:
    id: UUID
    tenant_id: str
    currency: str
    period_start: datetime
    period_end: datetime
    total_cents: int
    paid_cents: int
    status: str
    issued_at: datetime
    settled_at: datetime | None
    lines: list[InvoiceLine] = field(default_factory=list)


def _invoice(row: asyncpg.Record) -> Invoice:
    return Invoice(
        id=row["id"],
        tenant_id=row["tenant_id"],
        currency=row["currency"],
        period_start=row["period_start"],
        period_end=row["period_end"],
        total_cents=row["total_cents"],
        paid_cents=row["paid_cents"],
        status=row["status"],
        issued_at=row["issued_at"],
        settled_at=row["settled_at"],
    )


class InvoiceRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def lock_tenant(self, tenant_id: str) -> None:
        """The tenant's invoices are written by one transaction at a time; taken before any
        invoice row is touched (re-entrant within a transaction), so lock order never crosses."""
        await self._conn.execute(
            "SELECT pg_advisory_xact_lock(hashtext('invoices:' || $1))", tenant_id
        )

    async def invoice_period(
        self, tenant_id: str, subscription_id: UUID, period: Period, currency: str, at: datetime
    ) -> UUID:
        """Put the closed period's charges and prorations on the tenant's invoice for that month
        (made on first use); each ledger entry lands on one invoice once."""
        month = Period.calendar_month(period.start)
        invoice_id = await self._conn.fetchval(
            "INSERT INTO invoices (id, tenant_id, currency, period_start, period_end, issued_at)"
            " VALUES ($1, $2, $3, $4, $5, $6)"
            " ON CONFLICT (tenant_id, currency, period_start)"
            " DO UPDATE SET tenant_id = EXCLUDED.tenant_id RETURNING id",
            uuid4(),
            tenant_id,
            currency,
            month.start,
            month.end,
            at,
        )
        added = await self._conn.fetchval(
            "WITH added AS (INSERT INTO invoice_lines (ledger_entry_id, invoice_id,"
            " subscription_id, deployment_id, kind, description, amount_cents)"
            " SELECT e.id, $1, e.subscription_id, e.deployment_id, e.kind, e.description,"
            " e.amount_cents FROM ledger_entries e WHERE e.subscription_id = $2"
            " AND e.period_start = $3 AND e.currency = $4 AND e.kind = ANY($5::text[])"
            " ON CONFLICT (ledger_entry_id) DO NOTHING RETURNING amount_cents)"
            " SELECT coalesce(sum(amount_cents), 0)::bigint FROM added",
            invoice_id,
            subscription_id,
            period.start,
            currency,
            INVOICED_KINDS,
        )
        await self._conn.execute(
            "UPDATE invoices SET total_cents = total_cents + $2,"
            " status = CASE WHEN paid_cents >= total_cents + $2 THEN 'paid' ELSE 'open' END,"
            " settled_at = CASE WHEN paid_cents >= total_cents + $2 THEN $3::timestamptz END"
            " WHERE id = $1",
            invoice_id,
            added,
            at,
        )
        return UUID(str(invoice_id))

    async def settle(self, tenant_id: str, currency: str, at: datetime) -> list[UUID]:
        """Spend the tenant's payments not yet spent on its open invoices, oldest first.

        Unspent money is what the payments add up to less what invoices hold as paid, so the
        same call again changes nothing. Serialised per tenant by a transaction advisory lock."""
        await self.lock_tenant(tenant_id)
        paid_in = await self._conn.fetchval(
            "SELECT coalesce(-sum(amount_cents), 0)::bigint FROM ledger_entries"
            " WHERE tenant_id = $1 AND currency = $2 AND kind = 'payment'",
            tenant_id,
            currency,
        )
        spent = await self._conn.fetchval(
            "SELECT coalesce(sum(paid_cents), 0)::bigint FROM invoices"
            " WHERE tenant_id = $1 AND currency = $2",
            tenant_id,
            currency,
        )
        available = int(paid_in) - int(spent)
        settled: list[UUID] = []
        rows = await self._conn.fetch(
            "SELECT id, total_cents, paid_cents FROM invoices WHERE tenant_id = $1"
            " AND currency = $2 AND status = 'open' ORDER BY period_start, id",
            tenant_id,
            currency,
        )
        for row in rows:
            due = max(0, row["total_cents"] - row["paid_cents"])
            pay = min(due, available)
            if due and not pay:
                break
            available -= pay
            done = pay == due
            await self._conn.execute(
                "UPDATE invoices SET paid_cents = paid_cents + $2,"
                " status = CASE WHEN $3 THEN 'paid' ELSE 'open' END,"
                " settled_at = CASE WHEN $3 THEN $4::timestamptz END WHERE id = $1",
                row["id"],
                pay,
                done,
                at,
            )
            if done:
                settled.append(row["id"])
        return settled

    async def get(self, invoice_id: UUID, tenant_id: str | None) -> Invoice | None:
        row = await self._conn.fetchrow(
            "SELECT * FROM invoices WHERE id = $1 AND ($2::text IS NULL OR tenant_id = $2)",
            invoice_id,
            tenant_id,
        )
        if row is None:
            return None
        invoice = _invoice(row)
        lines = await self._conn.fetch(
            "SELECT * FROM invoice_lines WHERE invoice_id = $1 ORDER BY ledger_entry_id",
            invoice_id,
        )
        invoice.lines.extend(
            InvoiceLine(
                r["ledger_entry_id"],
                r["subscription_id"],
                r["deployment_id"],
                r["kind"],
                r["description"],
                r["amount_cents"],
            )
            for r in lines
        )
        return invoice

    async def page(
        self, tenant_id: str | None, limit: int, before: tuple[datetime, UUID] | None
    ) -> list[Invoice]:
        """Newest month first; `before` is the (period_start, id) of the previous page's last."""
        rows = await self._conn.fetch(
            "SELECT * FROM invoices WHERE ($1::text IS NULL OR tenant_id = $1)"
            " AND ($2::timestamptz IS NULL OR (period_start, id) < ($2, $3::uuid))"
            " ORDER BY period_start DESC, id DESC LIMIT $4",
            tenant_id,
            before[0] if before else None,
            before[1] if before else None,
            limit,
        )
        return [_invoice(row) for row in rows]
