"""The inventory service's composition root: everything is built here, nothing at import time."""

from __future__ import annotations

from pathlib import Path

import asyncpg
from litestar import Litestar, Router
from litestar.di import Provide

from arcadia_inventory.adapters.audit import audit_facts
from arcadia_inventory.adapters.cloud import Cloud, cloud_client
from arcadia_inventory.adapters.publisher import OutboxPublisher
from arcadia_inventory.adapters.queries import InventoryQueries
from arcadia_inventory.config import InventorySettings
from arcadia_inventory.handlers.projection import projections
from arcadia_inventory.handlers.routes import ROUTES
from arcadia_inventory.http.costs import get_costs
from arcadia_inventory.http.drift import get_drift
from arcadia_inventory.http.findings import DriftController
from arcadia_inventory.http.inventory import list_inventory
from arcadia_inventory.http.problems import EXCEPTION_HANDLER
from arcadia_inventory.http.resources import ResourceController
from arcadia_inventory.scanner import DriftScanner
from arcadia_platform.http import service_app
from arcadia_platform.rebuild import Rebuilds
from arcadia_platform.rebuild_http import rebuild_router
from arcadia_platform.runtime import ServiceRuntime

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: InventorySettings) -> Litestar:
    runtime = ServiceRuntime(settings, migrations=[("inventory", MIGRATIONS)])
    ROUTES(
        runtime.routes,
        OutboxPublisher(runtime.outbox),
        prices=dict(settings.droplet_prices_cents),
        dns_domain=settings.dns_domain,
    )
    # One provider client per process: scans and fixes share its rate limit.
    client = cloud_client(settings)
    cloud = Cloud(client, settings.dns_domain)
    scanner: DriftScanner | None = None

    def get_scanner() -> DriftScanner:
        nonlocal scanner
        if scanner is None:
            scanner = DriftScanner(runtime.pool, runtime.outbox, cloud, settings)
        return scanner

    async def run_scans() -> None:
        await get_scanner().run()

    runtime.background.append(run_scans)

    def provide_queries() -> InventoryQueries:
        return InventoryQueries(runtime.pool)

    def provide_pool() -> asyncpg.Pool:
        return runtime.pool

    internal = Router(
        path="/internal/v1",
        route_handlers=[ResourceController, get_costs, get_drift, list_inventory, DriftController],
        dependencies={
            "queries": Provide(provide_queries, sync_to_thread=False),
            "settings": Provide(lambda: settings, sync_to_thread=False),
            "pool": Provide(provide_pool, sync_to_thread=False),
            "cloud": Provide(lambda: cloud, sync_to_thread=False),
            "outbox": Provide(lambda: runtime.outbox, sync_to_thread=False),
            "scanner": Provide(get_scanner, sync_to_thread=False),
        },
    )
    # /internal/v1/rebuilds: `arcadia rebuild inventory.resources` (the consumer's inbox is named
    # after the service: the rebuild applies events in its order).
    rebuilds = Rebuilds(
        runtime,
        projections(
            settings.service_name, dict(settings.droplet_prices_cents), settings.dns_domain
        ),
    )
    return service_app(
        runtime,
        [internal, rebuild_router(rebuilds)],
        exception_handlers={Exception: EXCEPTION_HANDLER},
        on_shutdown=[client.aclose],
        audit_facts=audit_facts,
    )
