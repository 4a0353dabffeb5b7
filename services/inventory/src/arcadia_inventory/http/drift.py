"""GET /internal/v1/drift (operators): the inventory compared with the provider's droplets."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from litestar import Request, get
from litestar.di import NamedDependency

from arcadia_inventory.adapters.digitalocean import droplet_reader
from arcadia_inventory.adapters.queries import InventoryQueries
from arcadia_inventory.config import InventorySettings
from arcadia_inventory.drift import detect_drift
from arcadia_inventory.http.query import parse_query
from arcadia_inventory.http.schemas import DriftView, NoQuery
from arcadia_platform.logs import get_logger

log = get_logger(__name__)


@get("/drift")
async def get_drift(
    request: Request[Any, Any, Any],
    queries: NamedDependency[InventoryQueries],
    settings: NamedDependency[InventorySettings],
) -> DriftView:
    parse_query(request, NoQuery)
    checked_at = datetime.now(UTC)
    # The cloud is read first: a droplet exists before its registration, so a saga finishing
    # in between cannot show up as "missing in cloud".
    async with droplet_reader(
        settings.do_base_url,
        settings.do_token,
        timeout_s=settings.do_timeout_s,
        max_attempts=settings.do_max_attempts,
        requests_per_minute=settings.do_requests_per_minute or None,
    ) as reader:
        droplets = await reader.all()
    active, inactive = await queries.droplets()
    report = detect_drift(active, droplets, inactive)
    log.info(
        "drift.checked",
        missing_in_cloud=len(report.missing_in_cloud),
        unmanaged_in_cloud=len(report.unmanaged_in_cloud),
        mismatched=len(report.mismatched),
    )
    return DriftView.of(report, checked_at)
