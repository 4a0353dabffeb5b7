"""The inventory's internal API (/internal/v1) as the gateway calls it: resources and drift."""

from __future__ import annotations

from uuid import UUID

from arcadia_api.config import ApiSettings
from arcadia_api.http.upstream import Upstream
from arcadia_api.inventory.schemas import DriftReport, ResourcePage, ResourceStatus


class InventoryClient:
    def __init__(self, upstream: Upstream, drift_timeout_s: float) -> None:
        self._inventory = upstream
        self._drift_timeout_s = drift_timeout_s

    @classmethod
    def of(cls, settings: ApiSettings) -> InventoryClient:
        upstream = Upstream(
            "inventory",
            settings.inventory_url,
            settings.upstream_timeout_s,
            secret=settings.internal_secret,
        )
        return cls(upstream, settings.drift_timeout_s)

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

    async def drift(self) -> DriftReport:
        """The inventory against the provider's droplets (it reads the whole account)."""
        return await self._inventory.get("/drift", DriftReport, timeout_s=self._drift_timeout_s)
