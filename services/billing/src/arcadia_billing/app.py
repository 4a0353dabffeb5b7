"""The billing service's composition root: everything is built here, nothing at import time."""

from __future__ import annotations

from pathlib import Path

from litestar import Litestar
from litestar.openapi import OpenAPIConfig

from arcadia_billing.api import internal_api
from arcadia_billing.api.facade import Billing
from arcadia_billing.api.problems import EXCEPTION_HANDLERS
from arcadia_billing.clock import Clock, system_clock
from arcadia_billing.commands import Transactions
from arcadia_billing.commands.catalog import CatalogCommands
from arcadia_billing.commands.ledger import LedgerCommands
from arcadia_billing.commands.subscriptions import SubscriptionCommands
from arcadia_billing.config import BillingSettings
from arcadia_billing.handlers import register_routes
from arcadia_billing.publisher import Publisher
from arcadia_platform.consumer import Routes
from arcadia_platform.http import service_app
from arcadia_platform.runtime import ServiceRuntime

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: BillingSettings, *, clock: Clock = system_clock) -> Litestar:
    """`clock` is the time billing acts at (tests pass a settable one)."""
    routes = Routes()
    runtime = ServiceRuntime(settings, migrations=[("billing", MIGRATIONS)], routes=routes)
    publisher = Publisher(runtime.outbox)
    register_routes(routes, publisher, clock)
    transactions = Transactions(runtime)
    billing = Billing(
        catalog=CatalogCommands(transactions, clock),
        subscriptions=SubscriptionCommands(transactions, publisher, clock),
        ledger=LedgerCommands(transactions, clock),
        clock=clock,
    )
    return service_app(
        runtime,
        [internal_api(billing)],
        exception_handlers=EXCEPTION_HANDLERS,
        openapi_config=OpenAPIConfig(title="Arcadia billing (internal API)", version="1.0.0"),
    )
