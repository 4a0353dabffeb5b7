"""/api/v1/drift and /resources: the inventory and its drift from the cloud, for operators."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, get
from litestar.params import Parameter

from arcadia_api.http.auth import operator_only
from arcadia_api.http.problems import problem_responses
from arcadia_api.http.tokens import TENANT_ID
from arcadia_api.inventory.client import InventoryClient
from arcadia_api.inventory.schemas import DriftReport, ResourcePage, ResourceStatus

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
Limit = Annotated[int, Parameter(ge=1, le=500, description="Page size.")]
Offset = Annotated[int, Parameter(ge=0, le=10_000_000, description="Resources to skip.")]


class OperationsController(Controller):
    tags = ["operations"]
    guards = [operator_only]

    @get("/drift", responses=problem_responses(401, 403, 502, 503, 504))
    async def drift(self, inventory: InventoryClient) -> DriftReport:
        """Operators: the inventory compared with the cloud provider's droplets, now."""
        return await inventory.drift()

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
        """Operators: cloud resources of every tenant, filtered, oldest registration first."""
        return await inventory.resources(
            tenant_id=tenant_id,
            deployment_id=deployment_id,
            status=resource_status,
            limit=limit,
            offset=offset,
        )
