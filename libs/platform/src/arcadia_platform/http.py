"""HTTP pieces every service shares: liveness/readiness handlers and the ASGI server runner."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from litestar import Litestar, get
from litestar.datastructures import State
from litestar.response import Response
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE

from arcadia_platform import litestar_tuning
from arcadia_platform.audit.facts import AuditFacts, audit_facts_router
from arcadia_platform.metrics import http_metrics, metrics
from arcadia_platform.outbox_http import parked_outbox_router
from arcadia_platform.problems import exception_handler
from arcadia_platform.runtime import ServiceRuntime
from arcadia_platform.service_auth import (
    InsecureSettingsError,
    ServiceAuth,
    document_service_auth,
    refuse_development_callers,
)
from arcadia_platform.settings import ServiceSettings
from arcadia_platform.tracing import configure_tracing
from arcadia_platform.tracing_http import http_tracing


@get("/health", include_in_schema=False, sync_to_thread=False)
def health() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}


@get("/ready", include_in_schema=False)
async def ready(state: State) -> Response[dict[str, Any]]:
    """Readiness: the database and Kafka are reachable."""
    runtime: ServiceRuntime = state.runtime
    checks = await runtime.readiness()
    ok = all(checks.values())
    return Response(
        {"status": "ready" if ok else "unavailable", "checks": checks},
        status_code=HTTP_200_OK if ok else HTTP_503_SERVICE_UNAVAILABLE,
    )


# Idle keep-alive connections are kept longer than any of our clients keeps them (httpx: 5 s):
# with uvicorn's default, also 5 s, the server closed a connection just as a client reused it for
# a POST, and the client saw a ReadError (the saga benchmark, at flat out, about one run in three).
KEEP_ALIVE_S = 30


def serve(app: Litestar, host: str, port: int) -> None:
    # The standard asyncio loop, not uvloop: on a connection the broker closed, uvloop's write()
    # raises RuntimeError where asyncio's only logs, and aiokafka (0.12) catches OSError alone, so
    # its group coordinator task died during a Kafka outage and the consumer never rejoined
    # (aio-libs/aiokafka#1038; found by tests/chaos/test_outage.py).
    uvicorn.run(
        app,
        host=host,
        port=port,
        loop="asyncio",
        log_level="warning",
        access_log=False,
        lifespan="on",
        timeout_keep_alive=KEEP_ALIVE_S,
        # No logging set-up of uvicorn's own: its lines go to the root logger's JSON handler.
        log_config=None,
    )


def run_service(name: str, settings: ServiceSettings, build: Callable[[], Litestar]) -> None:
    """`python -m arcadia_<name>`: build the app and serve it; a configuration that lets anyone in
    (a public development secret outside development) exits with the setting to change."""
    configure_tracing(
        settings.service_name,
        otlp_endpoint=settings.otel_exporter_otlp_endpoint,
        spans_dir=settings.trace_spans_dir,
    )
    try:
        app = build()
    except InsecureSettingsError as exc:
        raise SystemExit(f"arcadia-{name}: refusing to start: {exc}") from None
    serve(app, settings.http_host, settings.http_port)


def callers_setting(settings: ServiceSettings) -> str:
    return f"{settings.model_config.get('env_prefix', 'ARCADIA_')}INTERNAL_CALLERS"


def service_app(
    runtime: ServiceRuntime,
    route_handlers: list[Any] | None = None,
    *,
    internal_guards: Sequence[Any] = (),
    internal_middleware: Sequence[Any] = (),
    audit_facts: AuditFacts | None = None,
    **litestar_options: Any,
) -> Litestar:
    """A Litestar app whose lifespan starts and stops `runtime`, with /health, /ready, the
    parked outbox rows (/internal/v1/outbox/parked) and the audit's facts
    (/internal/v1/audit/facts: the outbox plus `audit_facts`), the last two behind
    `internal_guards`/`_middleware`.

    Every route under `/internal/` (the service's own, the outbox's and the audit's) needs a
    service credential from `settings.internal_callers` (see service_auth.py); /health,
    /ready and /metrics (scraped by Prometheus: see metrics.py) do not.
    """
    litestar_tuning.apply()
    settings = runtime.settings
    refuse_development_callers(
        callers_setting(settings), settings.internal_callers, settings.environment
    )
    service_auth = ServiceAuth(settings.internal_callers)
    litestar_options.setdefault("exception_handlers", {Exception: exception_handler()})
    guards = [service_auth.guard, *litestar_options.pop("guards", [])]
    middleware = [
        *http_tracing(),
        http_metrics(settings.service_name).middleware,
        *litestar_options.pop("middleware", []),
    ]

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        async with runtime.running():
            yield

    app = Litestar(
        route_handlers=[
            health,
            ready,
            metrics,
            parked_outbox_router(guards=internal_guards, middleware=internal_middleware),
            audit_facts_router(audit_facts, guards=internal_guards, middleware=internal_middleware),
            *(route_handlers or []),
        ],
        lifespan=[lifespan],
        state=State({"runtime": runtime}),
        guards=guards,
        middleware=middleware,
        **litestar_options,
    )
    if app.openapi_config is not None:
        document_service_auth(app.openapi_schema)
    return app
