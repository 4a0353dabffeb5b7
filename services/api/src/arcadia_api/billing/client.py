"""Billing's internal API (/internal/v1) as the gateway calls it; tenancy is checked before."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import msgspec

from arcadia_api.billing.requests import (
    AttachAddonsRequest,
    Body,
    ChangePlanRequest,
    NewAddonPriceRequest,
    NewAddonRequest,
    NewPlanRequest,
    NewPlanVersionRequest,
    SubscribeRequest,
)
from arcadia_api.billing.schemas import (
    Addon,
    AddonPrice,
    Attachment,
    Balances,
    Catalog,
    Margin,
    MarginBy,
    Plan,
    PlanChange,
    PlanVersion,
    Subscription,
)
from arcadia_api.config import ApiSettings
from arcadia_api.deployments.domain import Deployment
from arcadia_api.http.upstream import Upstream, UpstreamRefusedError


def _body(data: Body, actor: str, **fields: Any) -> dict[str, Any]:
    return {**msgspec.to_builtins(data), **fields, "actor": actor}


def _subscription(deployment: Deployment) -> str:
    return f"/deployments/{deployment.id}/subscription"


class BillingClient:
    def __init__(self, upstream: Upstream) -> None:
        self._billing = upstream

    @classmethod
    def of(cls, settings: ApiSettings) -> BillingClient:
        return cls(
            Upstream(
                "billing",
                settings.billing_url,
                settings.upstream_timeout_s,
                secret=settings.internal_secret,
            )
        )

    @property
    def upstream(self) -> Upstream:
        """For reads that pass billing's answer through as it is (invoices)."""
        return self._billing

    async def aclose(self) -> None:
        await self._billing.aclose()

    async def catalog(self) -> Catalog:
        return await self._billing.get("/plans", Catalog)

    async def plan_size(self, code: str) -> str | None:
        """The droplet size of the plan's version on sale now; None for an unknown plan or one
        with nothing on sale (the saga's reservation then refuses it, as before)."""
        try:
            plan = await self._billing.get(f"/plans/{quote(code, safe='')}", Plan)
        except UpstreamRefusedError as exc:
            if exc.status == 404:
                return None
            raise
        return plan.current_version.droplet_size if plan.current_version else None

    async def add_plan(self, data: NewPlanRequest, actor: str) -> Plan:
        return await self._billing.post("/plans", Plan, _body(data, actor))

    async def add_plan_version(
        self, code: str, data: NewPlanVersionRequest, actor: str
    ) -> PlanVersion:
        return await self._billing.post(f"/plans/{code}/versions", PlanVersion, _body(data, actor))

    async def retire_plan_version(self, code: str, version: int, actor: str) -> PlanVersion:
        path = f"/plans/{code}/versions/{version}/retire"
        return await self._billing.post(path, PlanVersion, {"actor": actor})

    async def add_addon(self, data: NewAddonRequest, actor: str) -> Addon:
        return await self._billing.post("/addons", Addon, _body(data, actor))

    async def change_addon_price(
        self, code: str, data: NewAddonPriceRequest, actor: str
    ) -> AddonPrice:
        return await self._billing.post(f"/addons/{code}/prices", AddonPrice, _body(data, actor))

    async def subscribe(
        self, deployment: Deployment, data: SubscribeRequest, actor: str
    ) -> Subscription:
        body = _body(data, actor, tenant_id=deployment.tenant_id, deployment_id=str(deployment.id))
        return await self._billing.post("/subscriptions", Subscription, body)

    async def change_plan(
        self, deployment: Deployment, data: ChangePlanRequest, actor: str
    ) -> PlanChange:
        body = _body(data, actor, tenant_id=deployment.tenant_id)
        return await self._billing.post(f"{_subscription(deployment)}/plan", PlanChange, body)

    async def attach_addons(
        self, deployment: Deployment, data: AttachAddonsRequest, actor: str
    ) -> Attachment:
        body = _body(data, actor, tenant_id=deployment.tenant_id)
        return await self._billing.post(f"{_subscription(deployment)}/addons", Attachment, body)

    async def balances(self, tenant_id: str | None) -> Balances:
        """One tenant's balance per currency, or every tenant's (None)."""
        if tenant_id is None:
            return await self._billing.get("/balances", Balances)
        return await self._billing.get(f"/tenants/{quote(tenant_id, safe='')}/balance", Balances)

    async def margin(self, by: MarginBy, tenant_id: str | None) -> Margin:
        params = {"by": str(by), "tenant_id": tenant_id}
        return await self._billing.get("/margin", Margin, params=params)
