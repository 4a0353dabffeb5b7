"""The api service's composition root: everything is built here, nothing at import time."""

import dataclasses
from pathlib import Path

import msgspec
from litestar import Litestar, Router
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.openapi.spec import OpenAPI, OpenAPIResponse
from litestar.types import Guard

from arcadia_api.apidocs.examples import document_examples
from arcadia_api.apidocs.openapi import BEARER, openapi_config
from arcadia_api.apidocs.routes import docs_routes
from arcadia_api.billing.client import BillingClient
from arcadia_api.billing.controllers import BillingController
from arcadia_api.billing.invoices import InvoiceController
from arcadia_api.billing.requests import REQUEST_BODIES
from arcadia_api.catalog.controllers import CatalogController
from arcadia_api.config import ApiSettings
from arcadia_api.deployments.controllers import DeploymentController
from arcadia_api.deployments.schemas import (
    AddonRequest,
    BillingOverrideRequest,
    CreateDeployment,
    TransitionRequest,
)
from arcadia_api.http.auth import BearerAuthMiddleware, operator_only, provide_principal
from arcadia_api.http.idempotency import gateway_idempotency, provide_post
from arcadia_api.http.problems import handle_exception
from arcadia_api.http.ratelimit import TenantWriteLimit, TokenBuckets
from arcadia_api.http.tokens import TokenVerifier, refuse_insecure
from arcadia_api.http.validation import check_request_body
from arcadia_api.inventory.client import InventoryClient
from arcadia_api.inventory.controllers import InventoryController, OperationsController
from arcadia_api.ops.collect import AuditUpstreams
from arcadia_api.ops.controllers import OpsController
from arcadia_api.opspage.routes import ops_page_routes
from arcadia_api.saga import routes as saga_routes
from arcadia_api.saga.controllers import SagaController
from arcadia_api.saga.handlers import SagaReactions
from arcadia_api.saga.metrics import refresh_saga_gauges
from arcadia_api.saga.schemas import AbortSaga
from arcadia_api.saga.timer import SagaDeadlines
from arcadia_api.subscriptions.controllers import SubscriptionController
from arcadia_api.subscriptions.projection import PROJECTIONS
from arcadia_api.tenants.controllers import TenantController
from arcadia_platform.http import service_app
from arcadia_platform.idempotency import Idempotency
from arcadia_platform.rebuild import Rebuilds
from arcadia_platform.rebuild_http import rebuild_router
from arcadia_platform.retention import Purge, purge_older_than
from arcadia_platform.runtime import ServiceRuntime

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: ApiSettings) -> Litestar:
    refuse_insecure(settings)
    runtime = ServiceRuntime(settings, migrations=[("api", MIGRATIONS)])
    reactions = SagaReactions(runtime.outbox, settings)
    runtime.routes = saga_routes.routes(reactions)

    async def run_deadlines() -> None:
        await SagaDeadlines(runtime.events_pool, runtime.outbox, settings).run()

    runtime.background.append(run_deadlines)
    # An expired key is already ignored by the store: the purge only reclaims its row.
    expired = purge_older_than("idempotency_keys", "created_at", settings.idempotency_ttl_s)
    runtime.purges.append(Purge("idempotency_keys", expired))
    runtime.scrape_hooks.append(lambda: refresh_saga_gauges(runtime.pool))
    verifier = TokenVerifier(settings)
    # One connection pool per upstream for the app's life; no I/O until the first call.
    billing = BillingClient.of(settings)
    inventory = InventoryClient.of(settings)
    audit = AuditUpstreams(settings)
    app = service_app(
        runtime,
        [
            api_router(settings, runtime, verifier, billing, inventory, audit),
            # /internal/v1/rebuilds (service credential): the subscriptions read model.
            rebuild_router(Rebuilds(runtime, PROJECTIONS)),
            *docs_routes(),
            *ops_page_routes(),
        ],
        exception_handlers={Exception: handle_exception},
        before_request=check_request_body,
        request_max_body_size=settings.max_body_bytes,
        # The gateway is the public edge: its parked-outbox routes are for operators only.
        internal_middleware=[DefineMiddleware(BearerAuthMiddleware, verifier=verifier)],
        internal_guards=[operator_only],
        openapi_config=openapi_config(),
        on_shutdown=[billing.aclose, inventory.aclose, audit.aclose],
    )
    document_strict_bodies(app.openapi_schema)
    document_examples(app.openapi_schema)
    if settings.write_rate_per_s > 0:
        document_write_limits(app.openapi_schema)
    return app


def api_router(
    settings: ApiSettings,
    runtime: ServiceRuntime,
    verifier: TokenVerifier,
    billing: BillingClient,
    inventory: InventoryClient,
    audit: AuditUpstreams,
) -> Router:
    """/api/v1: every feature's controllers behind the bearer token and the write limits."""
    idempotency = gateway_idempotency(runtime, ttl_s=settings.idempotency_ttl_s)

    def provide_runtime() -> ServiceRuntime:
        return runtime

    def provide_idempotency() -> Idempotency:
        return idempotency

    def provide_billing() -> BillingClient:
        return billing

    def provide_inventory() -> InventoryClient:
        return inventory

    def provide_audit() -> AuditUpstreams:
        return audit

    def provide_settings() -> ApiSettings:
        return settings

    return Router(
        path="/api/v1",
        route_handlers=[
            DeploymentController,
            SubscriptionController,
            TenantController,
            SagaController,
            CatalogController,
            BillingController,
            InventoryController,
            InvoiceController,
            OperationsController,
            OpsController,
        ],
        middleware=[DefineMiddleware(BearerAuthMiddleware, verifier=verifier)],
        guards=write_limits(settings),
        security=[{BEARER: []}],
        dependencies={
            "principal": Provide(provide_principal, sync_to_thread=False),
            "runtime": Provide(provide_runtime, sync_to_thread=False),
            "idempotency": Provide(provide_idempotency, sync_to_thread=False),
            "idempotent": Provide(provide_post, sync_to_thread=False),
            "billing": Provide(provide_billing, sync_to_thread=False),
            "inventory": Provide(provide_inventory, sync_to_thread=False),
            "audit_upstreams": Provide(provide_audit, sync_to_thread=False),
            "settings": Provide(provide_settings, sync_to_thread=False),
        },
    )


def write_limits(settings: ApiSettings) -> list[Guard]:
    if settings.write_rate_per_s <= 0:
        return []
    return [TenantWriteLimit(TokenBuckets(settings.write_rate_per_s, settings.write_burst))]


def document_write_limits(openapi: OpenAPI) -> None:
    """Every write may meet the tenant's rate limit: a 429 problem, shaped like its 401."""
    for item in (openapi.paths or {}).values():
        for operation in (item.post, item.put, item.patch, item.delete):
            if operation is None or operation.responses is None:
                continue
            unauthorized = operation.responses.get("401")
            if isinstance(unauthorized, OpenAPIResponse):
                operation.responses["429"] = dataclasses.replace(
                    unauthorized, description="Too Many Requests (see Retry-After)"
                )


def document_strict_bodies(openapi: OpenAPI) -> None:
    """Say in the schema what the request Structs enforce: no properties beyond the declared."""
    schemas = openapi.components.schemas or {}
    strict: tuple[type[msgspec.Struct], ...] = (
        AddonRequest,
        CreateDeployment,
        TransitionRequest,
        BillingOverrideRequest,
        AbortSaga,
        *REQUEST_BODIES,
    )
    for struct in strict:
        info = msgspec.inspect.type_info(struct)
        if isinstance(info, msgspec.inspect.StructType) and info.forbid_unknown_fields:
            schemas[struct.__name__].additional_properties = False
