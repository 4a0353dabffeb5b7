"""What one service tells the operators' audit about itself: `GET /internal/v1/audit/facts`.

Every service serves its outbox (unsent rows, backlog, parked rows) plus what only it holds,
given by the service as `AuditFacts` (billing: its subscriptions; inventory: its resources; the
provisioner: the provider's droplets and DNS records). The gateway's `GET /api/v1/ops/audit`
gathers these and runs the same pure check as `arcadia audit` (`arcadia_platform.audit.report`),
so no service reads another's database.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from litestar import Router, get
from litestar.datastructures import State

from arcadia_platform.db import Connection
from arcadia_platform.outbox_parking import list_parked
from arcadia_platform.runtime import ServiceRuntime

PATH = "/internal/v1/audit"
# A service's own facts, by name ("subscriptions", "resources", "droplets", "records").
AuditFacts = Callable[[ServiceRuntime], Awaitable[dict[str, list[dict[str, Any]]]]]
UNSENT_LIMIT = 10_000

UNSENT = """
SELECT id, encode(key, 'escape') AS key, created_at FROM outbox
WHERE sent_at IS NULL AND parked_at IS NULL ORDER BY id LIMIT $1
"""
BACKLOG = """
SELECT count(*) FILTER (WHERE parked_at IS NULL) AS unsent,
       min(created_at) FILTER (WHERE parked_at IS NULL) AS oldest,
       count(*) FILTER (WHERE parked_at IS NOT NULL) AS parked,
       clock_timestamp() AS now
FROM outbox WHERE sent_at IS NULL
"""


async def outbox_facts(conn: Connection) -> dict[str, Any]:
    """The outbox as the audit sees it: the clock, the backlog, unsent rows and parked rows."""
    backlog = await conn.fetchrow(BACKLOG)
    assert backlog is not None
    unsent = await conn.fetch(UNSENT, UNSENT_LIMIT)
    parked = await list_parked(conn, limit=UNSENT_LIMIT)
    return {
        "now": backlog["now"],
        "unsent": backlog["unsent"],
        "oldest_unsent_at": backlog["oldest"],
        "parked": backlog["parked"],
        "rows": [dict(r) for r in unsent],
        "parked_rows": [
            {
                "id": p.id,
                "topic": p.topic,
                "key": p.key,
                "event_type": p.event_type,
                "created_at": p.created_at,
                "parked_at": p.parked_at,
                "park_reason": p.park_reason,
                "park_count": p.park_count,
            }
            for p in parked
        ],
    }


def audit_facts_router(
    extra: AuditFacts | None = None,
    *,
    guards: Sequence[Any] = (),
    middleware: Sequence[Any] = (),
) -> Router:
    """The route, left out of the OpenAPI documents (like /health)."""

    @get("/facts")
    async def facts(state: State) -> dict[str, Any]:
        """This service's facts for the operators' audit (read in one snapshot where SQL)."""
        runtime: ServiceRuntime = state.runtime
        async with (
            runtime.pool.acquire() as conn,
            conn.transaction(isolation="repeatable_read", readonly=True),
        ):
            outbox = await outbox_facts(conn)
        own = await extra(runtime) if extra is not None else {}
        return {"service": runtime.settings.service_name, "outbox": outbox, **own}

    return Router(
        path=PATH,
        route_handlers=[facts],
        guards=list(guards),
        middleware=list(middleware),
        include_in_schema=False,
        tags=["operations"],
    )
