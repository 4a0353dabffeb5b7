"""The inventory service's composition root: everything is built here, nothing at import time."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from litestar import Litestar, Router
from litestar.di import Provide

from arcadia_contracts import topics
from arcadia_contracts.events.deployments import DeploymentTeardownRequested, ProvisioningAborted
from arcadia_contracts.events.provisioner import DropletActive
from arcadia_inventory import handlers
from arcadia_inventory.adapters.publisher import OutboxPublisher
from arcadia_inventory.adapters.queries import InventoryQueries
from arcadia_inventory.config import InventorySettings
from arcadia_inventory.controllers.costs import get_costs
from arcadia_inventory.controllers.drift import get_drift
from arcadia_inventory.controllers.problem import handle_exception
from arcadia_inventory.controllers.resources import ResourceController
from arcadia_platform.consumer import Routes
from arcadia_platform.http import service_app
from arcadia_platform.runtime import ServiceRuntime

MIGRATIONS = Path(__file__).parent / "migrations"
# Every participant announces its own failure on its own topic; inventory hears them all.
ABORT_TOPICS = (topics.DEPLOYMENTS, topics.BILLING, topics.PROVISIONER, topics.INVENTORY)


def add_reactions(routes: Routes, publish: handlers.Publish) -> None:
    """Which handler reacts to which event on which topic."""
    routes.on(
        topics.PROVISIONER, DropletActive, partial(handlers.register_droplet, publish=publish)
    )
    for topic in ABORT_TOPICS:
        routes.on(
            topic, ProvisioningAborted, partial(handlers.release_aborted_saga, publish=publish)
        )
    routes.on(
        topics.DEPLOYMENTS,
        DeploymentTeardownRequested,
        partial(handlers.release_torn_down_deployment, publish=publish),
    )


def create_app(settings: InventorySettings) -> Litestar:
    runtime = ServiceRuntime(settings, migrations=[("inventory", MIGRATIONS)])
    add_reactions(runtime.routes, OutboxPublisher(runtime.outbox))

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
    return service_app(runtime, [internal], exception_handlers={Exception: handle_exception})
