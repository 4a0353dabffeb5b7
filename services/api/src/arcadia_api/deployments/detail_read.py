"""`GET /deployments/{id}` in one statement: the deployment, its latest events, its sagas with
their steps and its subscription view, as one row.

The read was five statements (deployment, events, sagas, their steps, subscription), five round
trips on one connection; each costs the gateway a socket write and a read, and asyncpg's work
around them (a fifth of the request's CPU under wrk). Nested rows come back as arrays of
anonymous records, which asyncpg decodes with the same codecs as columns (timestamps stay
timestamps), and are turned into the same models as the separate reads (`_event`, `_step`,
`_saga`), so the detail cannot drift from them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final
from uuid import UUID

import msgspec

from arcadia_api.billing.schemas import Subscription
from arcadia_api.deployments.domain import Deployment, DeploymentEvent
from arcadia_api.deployments.repository import COLUMNS, event_of
from arcadia_api.saga.model import Saga
from arcadia_api.saga.repository import SAGA_COLUMNS, STEP_FIELDS, saga_of, step_from_values
from arcadia_api.saga.steps import Step
from arcadia_platform.db import Connection

EVENT_FIELDS: Final = ("from_state", "to_state", "actor", "reason", "at")
SAGA_FIELDS: Final = tuple(name.strip() for name in SAGA_COLUMNS.split(","))
DEPLOYMENT_FIELDS: Final = tuple(name.strip() for name in COLUMNS.split(","))

DETAIL_SQL: Final = (
    f"SELECT {', '.join(f'd.{name}' for name in DEPLOYMENT_FIELDS)},"
    " (SELECT count(*) FROM deployment_events WHERE deployment_id = d.id) AS events_total,"
    f" ARRAY(SELECT ROW({', '.join(EVENT_FIELDS)}) FROM (SELECT id, {', '.join(EVENT_FIELDS)}"
    "  FROM deployment_events WHERE deployment_id = d.id ORDER BY id DESC LIMIT $2) latest"
    "  ORDER BY id) AS events,"
    f" ARRAY(SELECT ROW({', '.join(f's.{name}' for name in SAGA_FIELDS)}) FROM sagas s"
    "  WHERE s.deployment_id = d.id ORDER BY s.started_at, s.id) AS sagas,"
    f" ARRAY(SELECT ROW({', '.join(f'st.{name}' for name in STEP_FIELDS)})"
    "  FROM saga_steps st JOIN sagas s ON s.id = st.saga_id"
    "  WHERE s.deployment_id = d.id ORDER BY st.saga_id, st.position) AS steps,"
    " (SELECT view::text FROM subscription_views WHERE deployment_id = d.id) AS subscription"
    " FROM deployments d WHERE d.id = $1"
)


class DetailRow(msgspec.Struct, frozen=True):
    deployment: Deployment
    events: list[DeploymentEvent]
    events_total: int
    sagas: list[Saga]
    subscription: Subscription | None


def _named(fields: Sequence[str], values: Sequence[Any]) -> dict[str, Any]:
    return dict(zip(fields, values, strict=True))


async def read_detail(conn: Connection, deployment_id: UUID, events_limit: int) -> DetailRow | None:
    row = await conn.fetchrow(DETAIL_SQL, deployment_id, events_limit)
    if row is None:
        return None
    steps: dict[UUID, list[Step]] = {}
    for values in row["steps"]:  # STEP_FIELDS: the saga's id first
        steps.setdefault(values[0], []).append(step_from_values(values))
    sagas = []
    for values in row["sagas"]:
        saga = _named(SAGA_FIELDS, values)
        sagas.append(saga_of(saga, steps.get(saga["id"], [])))
    subscription = row["subscription"]
    return DetailRow(
        deployment=msgspec.convert({name: row[name] for name in DEPLOYMENT_FIELDS}, Deployment),
        events=[event_of(_named(EVENT_FIELDS, values)) for values in row["events"]],
        events_total=row["events_total"],
        sagas=sagas,
        subscription=(
            None if subscription is None else msgspec.json.decode(subscription, type=Subscription)
        ),
    )
