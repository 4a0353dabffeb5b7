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
from arcadia_inventory.domain import dns_record_id_of, resource_id_of
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


async def legacy_ids(conn: Connection) -> str | None:
    """Why not to swap, if live rows predate derived ids: registered with a random id (before
    ids were derived from events), they would come back with another one, and billing and the
    gateway know them by the old one."""
    resources = await conn.fetch("SELECT id, provider, provider_id FROM public.resources")
    records = await conn.fetch(
        "SELECT id, saga_id, record_id FROM public.dns_records WHERE saga_id IS NOT NULL"
    )
    old = sum(r["id"] != resource_id_of(r["provider"], r["provider_id"]) for r in resources)
    old += sum(r["id"] != dns_record_id_of(r["saga_id"], r["record_id"]) for r in records)
    if not old:
        return None
    return (
        f"{old} live row(s) have ids from before ids were derived from events; a rebuild would"
        " give them new ids that billing and the gateway do not know. Compare with --dry-run;"
        " check the live inventory with `arcadia audit` and `arcadia drift scan` instead"
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
            refuse_swap=legacy_ids,
        ),
    )
