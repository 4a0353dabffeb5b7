"""ROUTES: the one table of which inventory handler reacts to which event on which topic."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Final

from arcadia_contracts import topics
from arcadia_contracts.events.deployments import DeploymentTeardownRequested, ProvisioningAborted
from arcadia_contracts.events.provisioner import DnsPointed, DnsReverted, DropletActive
from arcadia_inventory.domain import SIZE_PRICES_CENTS
from arcadia_inventory.handlers.common import Publish
from arcadia_inventory.handlers.compensation import (
    release_aborted_saga,
    release_torn_down_deployment,
)
from arcadia_inventory.handlers.dns import record_dns_pointed, record_dns_reverted
from arcadia_inventory.handlers.registration import register_droplet
from arcadia_platform.consumer import Routes

# Every participant announces its own failure on its own topic; inventory hears them all.
ABORT_TOPICS = (topics.DEPLOYMENTS, topics.BILLING, topics.PROVISIONER, topics.INVENTORY)


def register_routes(
    routes: Routes,
    publish: Publish,
    prices: Mapping[str, int] = SIZE_PRICES_CENTS,
    dns_domain: str = "apps.arcadia.test",
) -> Routes:
    """Fill `routes` (the runtime's) with inventory's table; each handler publishes via `publish`,
    droplets are priced from `prices` (the `droplet_prices_cents` setting), and DNS names are
    read relative to `dns_domain`."""
    routes.on(
        topics.PROVISIONER,
        DropletActive,
        partial(register_droplet, publish=publish, prices=prices),
    )
    routes.on(topics.PROVISIONER, DnsPointed, partial(record_dns_pointed, domain=dns_domain))
    routes.on(topics.PROVISIONER, DnsReverted, record_dns_reverted)
    for topic in ABORT_TOPICS:
        routes.on(topic, ProvisioningAborted, partial(release_aborted_saga, publish=publish))
    routes.on(
        topics.DEPLOYMENTS,
        DeploymentTeardownRequested,
        partial(release_torn_down_deployment, publish=publish),
    )
    return routes


# The table, as the composition root applies it: app.py calls ROUTES(routes, publish).
ROUTES: Final = register_routes
