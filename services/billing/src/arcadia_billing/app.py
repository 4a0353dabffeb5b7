"""The billing service's composition root: everything is built here, nothing at import time."""

from __future__ import annotations

from pathlib import Path

from litestar import Litestar
from litestar.openapi import OpenAPIConfig

from arcadia_billing.adapters.audit import audit_facts
from arcadia_billing.adapters.publisher import Publisher
from arcadia_billing.clock import Clock, file_clock, system_clock
from arcadia_billing.commands import Transactions
from arcadia_billing.commands.catalog import CatalogCommands
from arcadia_billing.commands.invoices import InvoiceQueries
from arcadia_billing.commands.ledger import LedgerCommands
from arcadia_billing.commands.subscriptions import SubscriptionCommands
from arcadia_billing.config import BillingSettings
from arcadia_billing.cycle import BillingCycle
from arcadia_billing.handlers.projections import PROJECTIONS
from arcadia_billing.handlers.routes import ROUTES
from arcadia_billing.http import internal_api
from arcadia_billing.http.facade import Billing
from arcadia_billing.http.problems import EXCEPTION_HANDLER
from arcadia_platform.consumer import Routes
from arcadia_platform.http import service_app
from arcadia_platform.rebuild import Rebuilds
from arcadia_platform.rebuild_http import rebuild_router
from arcadia_platform.runtime import ServiceRuntime

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: BillingSettings, *, clock: Clock | None = None) -> Litestar:
    """`clock` is the time billing acts at (tests pass a settable one, or `clock_file`)."""
    if clock is None:
        clock = file_clock(settings.clock_file) if settings.clock_file else system_clock
    routes = Routes()
    runtime = ServiceRuntime(settings, migrations=[("billing", MIGRATIONS)], routes=routes)
    publisher = Publisher(runtime.outbox)
    ROUTES(routes, publisher, clock)
    transactions = Transactions(runtime)
    ledger = LedgerCommands(transactions, clock, runtime.crash_points, publisher)
    billing = Billing(
        catalog=CatalogCommands(transactions, clock),
        subscriptions=SubscriptionCommands(transactions, publisher, clock),
        ledger=ledger,
        invoices=InvoiceQueries(transactions),
        clock=clock,
    )
    cycle = BillingCycle(transactions, ledger, publisher, clock, settings)
    if settings.cycle_enabled:
        runtime.background.append(cycle.run)
    app = service_app(
        runtime,
        [internal_api(billing), rebuild_router(Rebuilds(runtime, PROJECTIONS))],
        exception_handlers={Exception: EXCEPTION_HANDLER},
        audit_facts=audit_facts,
        openapi_config=OpenAPIConfig(title="Arcadia billing (internal API)", version="1.0.0"),
    )
    app.state.cycle = cycle  # tests drive `cycle.tick()` themselves with the loop off
    return app
