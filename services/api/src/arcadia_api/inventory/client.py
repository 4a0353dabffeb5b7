"""The inventory's internal API (/internal/v1) as the gateway calls it: resources and drift."""

from __future__ import annotations

from uuid import UUID

from arcadia_api.config import ApiSettings
from arcadia_api.http.pagination import Keyset
from arcadia_api.http.upstream import Upstream
from arcadia_api.inventory.schemas import (
    DriftFix,
    DriftScan,
    DriftUpstreamPage,
    FindingStatus,
    InventoryUpstreamPage,
    ResourceKind,
    ResourcePage,
    ResourceStatus,
)


def _after(prefix: str, after: Keyset | None) -> dict[str, str | int | None]:
    if after is None:
        return {}
    return {f"after_{prefix}": after.at.isoformat(), "after_id": str(after.id)}


class InventoryClient:
    def __init__(self, upstream: Upstream) -> None:
        self._inventory = upstream

    @classmethod
    def of(cls, settings: ApiSettings) -> InventoryClient:
        upstream = Upstream(
            "inventory",
            settings.inventory_url,
            settings.upstream_timeout_s,
            secret=settings.internal_secret,
        )
        return cls(upstream)

    async def aclose(self) -> None:
        await self._inventory.aclose()

    async def resources(
        self,
        *,
        tenant_id: str | None,
        deployment_id: UUID | None,
        status: ResourceStatus | None,
        limit: int,
        offset: int,
    ) -> ResourcePage:
        params: dict[str, str | int | None] = {
            "tenant_id": tenant_id,
            "deployment_id": None if deployment_id is None else str(deployment_id),
            "status": None if status is None else str(status),
            "limit": limit,
            "offset": offset,
        }
        return await self._inventory.get("/resources", ResourcePage, params=params)

    async def inventory(
        self,
        *,
        tenant_id: str | None,
        deployment_id: UUID | None,
        kind: ResourceKind | None,
        status: ResourceStatus | None,
        after: Keyset | None,
        limit: int,
    ) -> InventoryUpstreamPage:
        params: dict[str, str | int | None] = {
            "tenant_id": tenant_id,
            "deployment_id": None if deployment_id is None else str(deployment_id),
            "kind": None if kind is None else str(kind),
            "status": None if status is None else str(status),
            "limit": limit,
            **_after("registered_at", after),
        }
        return await self._inventory.get("/inventory", InventoryUpstreamPage, params=params)

    async def findings(
        self, *, status: FindingStatus | None, after: Keyset | None, limit: int
    ) -> DriftUpstreamPage:
        params: dict[str, str | int | None] = {
            "status": None if status is None else str(status),
            "limit": limit,
            **_after("first_seen", after),
        }
        return await self._inventory.get("/drift/findings", DriftUpstreamPage, params=params)

    async def request_scan(self) -> DriftScan:
        return await self._inventory.post("/drift/scans", DriftScan, {})

    async def scan(self, scan_id: UUID) -> DriftScan:
        return await self._inventory.get(f"/drift/scans/{scan_id}", DriftScan)

    async def fix(self, finding_id: UUID, *, confirm: bool) -> DriftFix:
        flag = "true" if confirm else "false"
        return await self._inventory.post(
            f"/drift/findings/{finding_id}/fix?confirm={flag}", DriftFix, {}
        )
