"""The internal HTTP API under /internal/v1, called by the gateway (which authenticates tenants and
operators) and the operators' CLI; each caller proves itself with its service credential
(`arcadia_platform.service_auth`, a guard every service app carries)."""

from __future__ import annotations

from typing import Final

from litestar import Router
from litestar.di import Provide

from arcadia_billing.http.catalog import CatalogController
from arcadia_billing.http.facade import Billing
from arcadia_billing.http.invoices import InvoiceController
from arcadia_billing.http.ledger import LedgerController
from arcadia_billing.http.subscriptions import SubscriptionController

PREFIX: Final = "/internal/v1"


def internal_api(billing: Billing) -> Router:
    def provide_billing() -> Billing:
        return billing

    return Router(
        path=PREFIX,
        route_handlers=[
            CatalogController,
            SubscriptionController,
            LedgerController,
            InvoiceController,
        ],
        dependencies={"billing": Provide(provide_billing, sync_to_thread=False)},
    )
