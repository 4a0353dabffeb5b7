"""The HTTP server span of every service: Litestar's OpenTelemetry middleware, named by route.

Built on `litestar.plugins.opentelemetry` (OpenTelemetry's ASGI middleware): it continues an
incoming `traceparent` and makes the request's span current, so the events a request writes to the
outbox carry it. Litestar runs it outside its router (it sees routing errors too), so the span
starts named by the method alone; once routed, `RouteName` renames it `POST /api/v1/deployments`,
`GET /api/v1/deployments/{deployment_id}`: the route's template, never the raw path (ids in span
names would make every request's name unique). Probes and scrapes (/health, /ready, /metrics) get
no span; neither do ASGI's per-message `receive`/`send` steps (one span per request).
"""

from __future__ import annotations

from typing import Any

from litestar.middleware import ASGIMiddleware
from litestar.plugins.opentelemetry import OpenTelemetryConfig
from litestar.types import ASGIApp, Receive, Scope, Send
from opentelemetry import trace
from opentelemetry.trace import TracerProvider

UNTRACED = ["^/health$", "^/ready$", "^/metrics$"]


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


def http_tracing(provider: TracerProvider | None = None) -> list[Any]:
    """The app's middleware: the span (Litestar moves it outside the router) and its name.
    `provider`: tests; the process's (tracing.configure_tracing) otherwise."""
    config = OpenTelemetryConfig(
        tracer_provider=provider,
        scope_span_details_extractor=method_of,
        exclude=UNTRACED,
        exclude_spans=["receive", "send"],
    )
    return [config.middleware, RouteName()]
