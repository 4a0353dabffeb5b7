"""The api service's composition root: everything is built here, nothing at import time."""

from pathlib import Path

import msgspec
from litestar import Litestar, Router
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import Components, OpenAPI, SecurityScheme

from arcadia_api.auth import BearerAuthMiddleware, provide_principal
from arcadia_api.config import ApiSettings
from arcadia_api.controllers.deployments import DeploymentController
from arcadia_api.controllers.tenants import TenantController
from arcadia_api.idempotency import Idempotency
from arcadia_api.problem import handle_exception
from arcadia_api.schemas import (
    AddonRequest,
    BillingOverrideRequest,
    CreateDeployment,
    TransitionRequest,
)
from arcadia_api.tokens import TokenVerifier
from arcadia_api.validation import check_request_body
from arcadia_platform.http import service_app
from arcadia_platform.runtime import ServiceRuntime

MIGRATIONS = Path(__file__).parent / "migrations"
BEARER = "bearerAuth"


def openapi_config() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="Arcadia Cloud API",
        version="1.0.0",
        path="/schema",
        render_plugins=[JsonRenderPlugin()],
        components=Components(
            security_schemes={
                BEARER: SecurityScheme(type="http", scheme="bearer", bearer_format="JWT")
            }
        ),
    )


def create_app(settings: ApiSettings) -> Litestar:
    runtime = ServiceRuntime(settings, migrations=[("api", MIGRATIONS)])
    verifier = TokenVerifier(settings)
    idempotency = Idempotency(runtime, ttl_s=settings.idempotency_ttl_s)

    def provide_runtime() -> ServiceRuntime:
        return runtime

    def provide_idempotency() -> Idempotency:
        return idempotency

    api = Router(
        path="/api/v1",
        route_handlers=[DeploymentController, TenantController],
        middleware=[DefineMiddleware(BearerAuthMiddleware, verifier=verifier)],
        security=[{BEARER: []}],
        dependencies={
            "principal": Provide(provide_principal, sync_to_thread=False),
            "runtime": Provide(provide_runtime, sync_to_thread=False),
            "idempotency": Provide(provide_idempotency, sync_to_thread=False),
        },
    )
    app = service_app(
        runtime,
        [api],
        exception_handlers={Exception: handle_exception},
        before_request=check_request_body,
        openapi_config=openapi_config(),
    )
    document_strict_bodies(app.openapi_schema)
    return app


def document_strict_bodies(openapi: OpenAPI) -> None:
    """Say in the schema what the request Structs enforce: no properties beyond the declared."""
    schemas = openapi.components.schemas or {}
    for struct in (AddonRequest, CreateDeployment, TransitionRequest, BillingOverrideRequest):
        info = msgspec.inspect.type_info(struct)
        if isinstance(info, msgspec.inspect.StructType) and info.forbid_unknown_fields:
            schemas[struct.__name__].additional_properties = False
