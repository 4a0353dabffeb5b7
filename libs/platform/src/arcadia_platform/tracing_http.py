"""The HTTP server span of every service: Litestar's OpenTelemetry middleware, named by route.

Built on `litestar.plugins.opentelemetry` (OpenTelemetry's ASGI middleware): it continues an
incoming `traceparent` and makes the request's span current, so the events a request writes to the
outbox carry it. Probes and scrapes (/health, /ready, /metrics) get no span; neither do ASGI's
per-message `receive`/`send` steps (one span per request).
"""

from __future__ import annotations

from typing import Any

from litestar.middleware.base import DefineMiddleware
from litestar.plugins.opentelemetry import OpenTelemetryConfig
from litestar.types import Scope

UNTRACED = ["^/health$", "^/ready$", "^/metrics$"]


def route_of(scope: Scope) -> tuple[str, dict[str, Any]]:
    """`POST /api/v1/deployments/{deployment_id:uuid}`: the route template, never the raw path
    (ids in span names would make every request's name unique)."""
    method = str(scope.get("method", "")).strip()
    route = str(scope.get("path_template") or scope.get("path", ""))
    name = f"{method} {route}" if method else route
    return name, {"http.route": route}


def http_tracing() -> DefineMiddleware:
    config = OpenTelemetryConfig(
        scope_span_details_extractor=route_of,
        exclude=UNTRACED,
        exclude_spans=["receive", "send"],
    )
    return config.middleware
