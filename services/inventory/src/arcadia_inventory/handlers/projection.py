"""Inventory's resources as `arcadia rebuild inventory.resources` rebuilds them from the topics.

The tables (resources, resource_links, dns_records, and saga_aborts, which the handlers decide
from) are written only by the handlers of ROUTES and by an operator's drift fix, which announces
each change as `InventoryCorrected`. Every id is derived from the events and every time is an
event's `occurred_at`, so running the same handlers (publishing nothing) over the same events in
the order the live consumer applied them (its inbox; arcadia_platform.rebuild_ordered) writes the
same rows.

Not rebuilt: drift findings and scans (what scans of the provider saw, not events), the outbox
and the inbox.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from arcadia_contracts import Envelope, Event, topics
from arcadia_contracts.events.inventory import InventoryCorrected
from arcadia_inventory.handlers.corrections import replay_correction
from arcadia_inventory.handlers.routes import ROUTES
from arcadia_platform.consumer import Routes
from arcadia_platform.db import Connection
from arcadia_platform.rebuild import Projection
from arcadia_platform.rebuild_ordered import InboxOrder

TABLES: Final = ("resources", "resource_links", "dns_records", "saga_aborts")
FOREIGN_KEYS: Final = (
    "ALTER TABLE {schema}.resource_links ADD FOREIGN KEY (resource_id)"
    " REFERENCES {schema}.resources (id)",
)


async def _publish_nothing(conn: Connection, cause: Envelope, *payloads: Event) -> None:
    """The live handler published these already; a rebuild only writes its tables."""


def projections(service: str, prices: Mapping[str, int], dns_domain: str) -> tuple[Projection, ...]:
    """The inventory's one projection, `resources`, built with the live settings."""
    routes = ROUTES(Routes(), _publish_nothing, prices=prices, dns_domain=dns_domain)
    handlers = {name: h for by_type in routes.by_topic.values() for name, h in by_type.items()}
    handlers[InventoryCorrected.__name__] = replay_correction

    async def apply(conn: Connection, event: Envelope) -> None:
        if (handler := handlers.get(event.type)) is not None:
            await handler(conn, event)

    return (
        Projection(
            "resources",
            TABLES,
            sorted({*routes.topics(), topics.INVENTORY}),
            apply,
            order=InboxOrder(service, unconsumed_types=(InventoryCorrected.__name__,)),
            after_create=FOREIGN_KEYS,
        ),
    )
