"""The append-only ledger and the record of closed periods in PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg

from arcadia_billing.domain.accounting import EntryKind, LedgerEntry
from arcadia_billing.domain.money import Money
from arcadia_billing.domain.prices import PeriodCharge
from arcadia_platform.db import Connection


@dataclass(frozen=True, slots=True)
class RecordedEntry:
    id: int
    entry: LedgerEntry
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Balance:
    tenant_id: str
    balance: Money
    entries: int


def _recorded(row: asyncpg.Record) -> RecordedEntry:
    return RecordedEntry(
        id=row["id"],
        created_at=row["created_at"],
        entry=LedgerEntry(
            tenant_id=row["tenant_id"],
            kind=EntryKind(row["kind"]),
            amount=Money(row["amount_cents"], row["currency"]),
            description=row["description"],
            idempotency_key=row["idempotency_key"],
            subscription_id=row["subscription_id"],
            deployment_id=row["deployment_id"],
            period_start=row["period_start"],
            period_end=row["period_end"],
        ),
    )


class LedgerRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def append(self, entries: Sequence[LedgerEntry]) -> int:
        """Insert the entries whose idempotency key is new; returns how many were new."""
        inserted = 0
        for e in entries:
            row = await self._conn.fetchval(
                "INSERT INTO ledger_entries (tenant_id, kind, amount_cents, currency,"
                " subscription_id, deployment_id, period_start, period_end, description,"
                " idempotency_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
                " ON CONFLICT (idempotency_key) DO NOTHING RETURNING id",
                e.tenant_id,
                e.kind.value,
                e.amount.cents,
                e.amount.currency,
                e.subscription_id,
                e.deployment_id,
                e.period_start,
                e.period_end,
                e.description,
                e.idempotency_key,
            )
            inserted += row is not None
        return inserted

    async def mark_closed(self, subscription_id: UUID, charge: PeriodCharge) -> bool:
        """Record the period as closed; False if it already was (then charge nothing)."""
        row = await self._conn.fetchval(
            "INSERT INTO closed_periods (subscription_id, period_start, period_end,"
            " billable_days, month_days, total_cents, currency)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING true",
            subscription_id,
            charge.period.start,
            charge.period.end,
            charge.billable_days,
            charge.month_days,
            charge.total.cents,
            charge.currency,
        )
        return row is not None

    async def balances(self, tenant_id: str | None = None) -> list[Balance]:
        rows = await self._conn.fetch(
            "SELECT tenant_id, currency, sum(amount_cents)::bigint AS total, count(*) AS n"
            " FROM ledger_entries WHERE $1::text IS NULL OR tenant_id = $1"
            " GROUP BY tenant_id, currency ORDER BY tenant_id, currency",
            tenant_id,
        )
        return [Balance(r["tenant_id"], Money(r["total"], r["currency"]), r["n"]) for r in rows]

    async def entries(
        self, tenant_id: str, *, limit: int, before_id: int | None = None
    ) -> list[RecordedEntry]:
        rows = await self._conn.fetch(
            "SELECT * FROM ledger_entries WHERE tenant_id = $1"
            " AND ($2::bigint IS NULL OR id < $2) ORDER BY id DESC LIMIT $3",
            tenant_id,
            before_id,
            limit,
        )
        return [_recorded(row) for row in rows]
