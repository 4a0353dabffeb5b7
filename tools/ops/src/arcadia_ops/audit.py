"""`arcadia audit`'s report: the facts collected from the four databases, the provider and Kafka,
checked by the pure `arcadia_platform.audit.report.assemble` (the gateway's `GET /api/v1/ops/audit`
checks the same facts, gathered through the services' internal APIs)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from arcadia_ops.backlog import backlogs, parked_rows
from arcadia_ops.collect import collect
from arcadia_ops.kafka_state import group_lags
from arcadia_ops.places import Places
from arcadia_platform.audit.report import (
    FIXABLE,
    AuditReport,
    Finding,
    assemble,
    from_lag,
    from_parked,
    from_violation,
)

__all__ = [
    "FIXABLE",
    "AuditReport",
    "Finding",
    "build_report",
    "from_lag",
    "from_parked",
    "from_violation",
]


async def build_report(
    places: Places, *, tenant: str | None = None, lag_bound: int = 1000
) -> AuditReport:
    world, backlog, parked, lag = await asyncio.gather(
        collect(places.sources()), backlogs(places), parked_rows(places), group_lags(places)
    )
    return assemble(
        world,
        backlog=backlog,
        parked=parked,
        lag=lag,
        tenant=tenant,
        lag_bound=lag_bound,
        outbox_bound=timedelta(seconds=places.outbox_bound_s),
        saga_grace=timedelta(seconds=places.saga_grace_s),
    )
