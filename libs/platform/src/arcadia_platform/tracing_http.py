"""The HTTP server span of every service: Litestar's OpenTelemetry middleware, named by route.

Built on `litestar.plugins.opentelemetry` (OpenTelemetry's ASGI middleware): it continues an
incoming `traceparent` and makes the request's span current, so the events a request writes to the
outbox carry it. Litestar runs it outside its router (it sees routing errors too), so the span
starts named by the method alone; once routed, `RouteName` renames it `POST /api/v1/deployments`,
`GET /api/v1/deployments/{deployment_id}`: the route's template, never the raw path (ids in span
names would make every request's name unique). Probes and scrapes (/health, /ready, /metrics) get
no span; neither do ASGI's per-message `receive`/`send` steps (one span per request).

When spans are not recorded (no exporter configured: the sampler drops them all), the request
goes through `TraceContext` instead: it continues the incoming `traceparent` (or starts a trace)
and makes that span current, which is all the logs and the outbox use, without the
instrumentation's per-request attribute collection, 11 % of the gateway's CPU on a read
(py-spy, make bench-api).
"""

from __future__ import annotations

from typing import Any

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.plugins.opentelemetry import OpenTelemetryConfig
from litestar.types import ASGIApp, Receive, Scope, Send
from opentelemetry import trace
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF
from opentelemetry.trace import SpanKind, TracerProvider

from arcadia_platform.tracing import TRACE_HEADERS, context_of, tracer

UNTRACED = ["^/health$", "^/ready$", "^/metrics$"]
UNTRACED_PATHS = frozenset({"/health", "/ready", "/metrics"})
_TRACE_HEADER_BYTES = {name.encode(): name for name in TRACE_HEADERS}


def method_of(scope: Scope) -> tuple[str, dict[str, Any]]:
    """The span's name until the request is routed (and if it never is: a 404)."""
    return str(scope.get("method", "HTTP")).strip() or "HTTP", {}


class RouteName(ASGIMiddleware):
    """Renames the request's span after its route, once the router has matched one."""

    exclude_path_pattern = tuple(UNTRACED)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        span = trace.get_current_span()
        route = scope.get("path_template")
        if route and span.is_recording():
            span.update_name(f"{scope.get('method', '')} {route}".strip())
            span.set_attribute("http.route", route)
        await next_app(scope, receive, send)


class TraceContext:
    """ASGI middleware for a process that records no spans: each HTTP request runs in a current
    (non-recording) server span that continues the request's `traceparent`, or starts a trace."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or scope["path"] in UNTRACED_PATHS:
            await self.app(scope, receive, send)
            return
        carrier = {
            _TRACE_HEADER_BYTES[name]: value.decode("latin-1")
            for name, value in scope["headers"]
            if name in _TRACE_HEADER_BYTES
        }
        with tracer().start_as_current_span(
            str(scope.get("method", "HTTP")), context=context_of(carrier), kind=SpanKind.SERVER
        ):
            await self.app(scope, receive, send)


def records_spans(provider: TracerProvider | None = None) -> bool:
    """Whether `provider` (the process's by default) records any span at all."""
    found = provider or trace.get_tracer_provider()
    sampler = getattr(found, "sampler", None)
    return sampler is not None and sampler is not ALWAYS_OFF


def http_tracing(provider: TracerProvider | None = None) -> list[Any]:
    """The app's middleware: the span (Litestar moves it outside the router) and its name.
    `provider`: tests; the process's (tracing.configure_tracing) otherwise."""
    if not records_spans(provider):
        return [TraceContext]
    config = OpenTelemetryConfig(
        tracer_provider=provider,
        scope_span_details_extractor=method_of,
        exclude=UNTRACED,
        exclude_spans=["receive", "send"],
    )
    return [config.middleware, RouteName()]
