"""The one dependency every controller receives: billing's commands and its clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypeAlias

from litestar.di import NamedDependency

from arcadia_billing.clock import Clock
from arcadia_billing.commands.catalog import CatalogCommands
from arcadia_billing.commands.invoices import InvoiceQueries
from arcadia_billing.commands.ledger import LedgerCommands
from arcadia_billing.commands.subscriptions import SubscriptionCommands


@dataclass(frozen=True)
class Billing:
    catalog: CatalogCommands
    subscriptions: SubscriptionCommands
    ledger: LedgerCommands
    invoices: InvoiceQueries
    clock: Clock

    def now(self) -> datetime:
        return self.clock()


# How controllers ask for it: injected by name ("billing"), declared explicitly.
BillingDep: TypeAlias = NamedDependency[Billing]
