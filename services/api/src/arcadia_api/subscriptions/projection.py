"""The gateway's read model of billing's subscriptions (table `subscription_views`).

Fed by billing's SubscriptionChanged: each carries billing's whole view of one subscription and
a `revision` that grows with every change, so applying one is an upsert that keeps the higher
revision. Replays are no-ops twice over (the consumer's inbox, then the revision), and an event
that arrives after a newer one changes nothing. `arcadia rebuild api.subscriptions` rebuilds the
table from offset 0 with the same code (PROJECTIONS, mounted by app.py).
"""

from __future__ import annotations

from typing import Final
from uuid import UUID

import msgspec

from arcadia_api.billing.schemas import Subscription
from arcadia_contracts import Envelope, topics
from arcadia_contracts.events.billing import SubscriptionChanged
from arcadia_platform.db import Connection
from arcadia_platform.rebuild import Projection

_UPSERT: Final = (
    "INSERT INTO subscription_views"
    " (deployment_id, subscription_id, revision, status, view, changed_at)"
    " VALUES ($1, $2, $3, $4, $5::text::jsonb, $6)"
    " ON CONFLICT (deployment_id) DO UPDATE SET subscription_id = EXCLUDED.subscription_id,"
    " revision = EXCLUDED.revision, status = EXCLUDED.status, view = EXCLUDED.view,"
    " changed_at = EXCLUDED.changed_at"
    " WHERE subscription_views.revision < EXCLUDED.revision"
)


async def project_subscription(conn: Connection, event: Envelope) -> None:
    """Apply one SubscriptionChanged (live handler and rebuild alike)."""
    changed = event.payload
    if not isinstance(changed, SubscriptionChanged) or event.deployment_id is None:
        return
    # Billing's view decoded as the gateway serves it: a malformed one raises (retry, then DLQ).
    view = msgspec.json.encode(changed.view)
    msgspec.json.decode(view, type=Subscription)  # e.g. a time that is not ISO 8601: refused
    await conn.execute(
        _UPSERT,
        event.deployment_id,
        UUID(changed.subscription_id),
        changed.revision,
        changed.status,
        view.decode(),  # bound as text: the same with or without a jsonb codec (rebuilds)
        event.occurred_at,
    )


async def subscription_of(conn: Connection, deployment_id: UUID) -> Subscription | None:
    """The deployment's subscription as billing last announced it; None: none announced yet."""
    raw = await conn.fetchval(
        "SELECT view::text FROM subscription_views WHERE deployment_id = $1", deployment_id
    )
    return None if raw is None else msgspec.json.decode(raw, type=Subscription)


PROJECTIONS: Final = (
    Projection("subscriptions", ["subscription_views"], [topics.BILLING], project_subscription),
)
