"""The inventory service's composition root: everything is built here, nothing at import time."""

from __future__ import annotations

from pathlib import Path

from litestar import Litestar, Router
from litestar.di import Provide

from arcadia_inventory.adapters.audit import audit_facts
from arcadia_inventory.adapters.publisher import OutboxPublisher
from arcadia_inventory.adapters.queries import InventoryQueries
from arcadia_inventory.config import InventorySettings
from arcadia_inventory.handlers.routes import ROUTES
from arcadia_inventory.http.costs import get_costs
from arcadia_inventory.http.drift import get_drift
from arcadia_inventory.http.problems import EXCEPTION_HANDLER
from arcadia_inventory.http.resources import ResourceController
from arcadia_platform.http import service_app
from arcadia_platform.runtime import ServiceRuntime

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: InventorySettings) -> Litestar:
    runtime = ServiceRuntime(settings, migrations=[("inventory", MIGRATIONS)])
    ROUTES(runtime.routes, OutboxPublisher(runtime.outbox))

    def provide_queries() -> InventoryQueries:
        return InventoryQueries(runtime.pool)

    def provide_settings() -> InventorySettings:
        return settings

    internal = Router(
        path="/internal/v1",
        route_handlers=[ResourceController, get_costs, get_drift],
        dependencies={
            "queries": Provide(provide_queries, sync_to_thread=False),
            "settings": Provide(provide_settings, sync_to_thread=False),
        },
    )
    return service_app(
        runtime,
        [internal],
        exception_handlers={Exception: EXCEPTION_HANDLER},
        audit_facts=audit_facts,
    )
