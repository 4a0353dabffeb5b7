"""/api/v1/inventory (tenant-scoped), /resources and /drift (operators): the inventory and drift."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, get, post
from litestar.params import Parameter

from arcadia_api.http.auth import operator_only
from arcadia_api.http.pagination import CursorQuery, Keyset, decode_cursor, encode_cursor
from arcadia_api.http.principal import Principal, tenant_scope
from arcadia_api.http.problems import problem_responses
from arcadia_api.http.tokens import TENANT_ID
from arcadia_api.inventory.client import InventoryClient
from arcadia_api.inventory.schemas import (
    DriftFix,
    DriftPage,
    DriftScan,
    FindingStatus,
    InventoryPage,
    ResourceKind,
    ResourcePage,
    ResourceStatus,
)

TenantFilter = Annotated[
    str | None,
    Parameter(
        query="tenant_id", pattern=f"^{TENANT_ID.pattern}$", description="Only this tenant's."
    ),
]
DeploymentFilter = Annotated[
    UUID | None, Parameter(query="deployment_id", description="Only this deployment's.")
]
StatusFilter = Annotated[
    ResourceStatus | None, Parameter(query="status", description="Only active or released ones.")
]
KindFilter = Annotated[
    ResourceKind | None, Parameter(query="kind", description="Only droplets or DNS records.")
]
Limit = Annotated[int, Parameter(ge=1, le=500, description="Page size.")]
Offset = Annotated[int, Parameter(ge=0, le=10_000_000, description="Resources to skip.")]
FindingFilter = Annotated[
    FindingStatus,
    Parameter(query="status", description="Open findings (the default) or closed ones."),
]
Confirm = Annotated[
    bool, Parameter(query="confirm", description="true: do it; otherwise a dry run.")
]


class InventoryController(Controller):
    tags = ["inventory"]

    @get("/inventory", responses=problem_responses(400, 401, 403, 422, 502, 503, 504))
    async def inventory(
        self,
        inventory: InventoryClient,
        principal: Principal,
        tenant_id: TenantFilter = None,
        deployment_id: DeploymentFilter = None,
        kind: KindFilter = None,
        resource_status: StatusFilter = None,
        limit: Limit = 100,
        cursor: CursorQuery = None,
    ) -> InventoryPage:
        """Cloud resources (droplets and DNS records) with what each costs per month, oldest
        registration first. Tenants see their own; operators everyone's (`tenant_id` filters)."""
        page = await inventory.inventory(
            tenant_id=tenant_scope(principal, tenant_id),
            deployment_id=deployment_id,
            kind=kind,
            status=resource_status,
            after=None if cursor is None else decode_cursor(cursor, Keyset),
            limit=limit,
        )
        last = page.items[-1] if page.more and page.items else None
        return InventoryPage(
            items=page.items,
            next_cursor=None
            if last is None
            else encode_cursor(Keyset(last.registered_at, last.id)),
        )


class OperationsController(Controller):
    tags = ["operations"]
    guards = [operator_only]

    @get("/drift", responses=problem_responses(400, 401, 403, 422, 502, 503, 504))
    async def drift(
        self,
        inventory: InventoryClient,
        finding_status: FindingFilter = FindingStatus.OPEN,
        limit: Limit = 100,
        cursor: CursorQuery = None,
    ) -> DriftPage:
        """Operators: drift findings kept by the scans, with `first_seen` and `last_seen`."""
        page = await inventory.findings(
            status=finding_status,
            after=None if cursor is None else decode_cursor(cursor, Keyset),
            limit=limit,
        )
        last = page.items[-1] if page.more and page.items else None
        return DriftPage(
            items=page.items,
            next_cursor=None if last is None else encode_cursor(Keyset(last.first_seen, last.id)),
        )

    @post("/drift/scan", status_code=202, responses=problem_responses(401, 403, 502, 503, 504))
    async def scan(self, inventory: InventoryClient) -> DriftScan:
        """Operators: scan for drift now (in the background); follow it at /drift/scans/{id}."""
        return await inventory.request_scan()

    @get("/drift/scans/{scan_id:uuid}", responses=problem_responses(401, 403, 404, 502, 503, 504))
    async def scan_status(self, inventory: InventoryClient, scan_id: UUID) -> DriftScan:
        """Operators: one drift scan, and what it found once done."""
        return await inventory.scan(scan_id)

    @post(
        "/drift/{finding_id:uuid}/fix",
        status_code=200,
        responses=problem_responses(400, 401, 403, 404, 409, 422, 502, 503, 504),
    )
    async def fix(
        self, inventory: InventoryClient, finding_id: UUID, confirm: Confirm = False
    ) -> DriftFix:
        """Operators: fix one open finding; a dry run describing the action unless
        `confirm=true`. An orphan is destroyed, a ghost released (its deployment is named), a
        DNS record repaired."""
        return await inventory.fix(finding_id, confirm=confirm)

    @get("/resources", responses=problem_responses(400, 401, 403, 502, 503, 504))
    async def resources(
        self,
        inventory: InventoryClient,
        tenant_id: TenantFilter = None,
        deployment_id: DeploymentFilter = None,
        resource_status: StatusFilter = None,
        limit: Limit = 100,
        offset: Offset = 0,
    ) -> ResourcePage:
        """Operators: droplet resources of every tenant, filtered, oldest registration first
        (see /inventory, which also lists DNS records and is open to tenants)."""
        return await inventory.resources(
            tenant_id=tenant_id,
            deployment_id=deployment_id,
            status=resource_status,
            limit=limit,
            offset=offset,
        )
