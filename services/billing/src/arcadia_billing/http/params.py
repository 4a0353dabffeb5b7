"""Path and query parameters of the internal API, with the limits that keep bad input a 4xx."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar.params import PathParameter, QueryParameter

from arcadia_billing.adapters.margin import MarginBy
from arcadia_billing.http.schemas.requests import CODE, PRINTABLE

CodePath = Annotated[str, PathParameter(pattern=CODE, max_length=63)]
VersionPath = Annotated[int, PathParameter(ge=1, le=1_000_000)]
DeploymentPath = Annotated[UUID, PathParameter()]
TenantPath = Annotated[str, PathParameter(min_length=1, max_length=200, pattern=PRINTABLE)]
TenantQuery = Annotated[
    str,
    QueryParameter(
        min_length=1, max_length=200, pattern=PRINTABLE, description="The deployment's tenant"
    ),
]
OptionalTenantQuery = Annotated[
    str | None,
    QueryParameter(min_length=1, max_length=200, pattern=PRINTABLE, description="Only this tenant"),
]
Limit = Annotated[int, QueryParameter(ge=1, le=500, description="Entries per page")]
BeforeId = Annotated[
    int | None, QueryParameter(ge=1, le=2**62, description="Entries older than this id")
]
By = Annotated[MarginBy, QueryParameter(description="Group by deployment, tenant or plan")]
