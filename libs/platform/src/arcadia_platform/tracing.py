"""OpenTelemetry traces across every hop: HTTP request, outbox, Kafka, consumer, handler, provider.

A trace is carried between services by the W3C `traceparent` header: the outbox writes the
current span's into each event's Kafka headers in the writer's transaction (so a relay publishing
later continues the same trace), and the consumer runs each event's handling in a span that is a
child of the one it extracts. Spans and trace ids always exist once `configure_tracing` ran (the
log lines' `trace_id` comes from them); they are recorded and exported only when an exporter is
configured (`OTEL_EXPORTER_OTLP_ENDPOINT`, or the test-only JSON-lines sink): otherwise the
sampler drops every span at its start, no attribute is set and nothing is exported.

Span names and attributes are listed in the README (observability). No span per outbox row or
per database row: one per HTTP request, per handled event, per provider call and per job run.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import httpx
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    SimpleSpanProcessor,
    SpanExporter,
    SpanExportResult,
)
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON
from opentelemetry.trace import Span, SpanKind, Tracer, format_trace_id
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from arcadia_contracts import Envelope
from arcadia_platform.logs import set_trace_id_source

TRACER_NAME = "arcadia"
TRACE_HEADERS = ("traceparent", "tracestate")
_PROPAGATOR = TraceContextTextMapPropagator()
# Tests route our spans to their own provider (`use_provider`); else the global one is used.
_override: trace.TracerProvider | None = None
_cached: tuple[trace.TracerProvider, Tracer] | None = None


def tracer() -> Tracer:
    global _cached
    provider = _override or trace.get_tracer_provider()
    if _cached is None or _cached[0] is not provider:
        _cached = (provider, provider.get_tracer(TRACER_NAME))
    return _cached[1]


def use_provider(provider: trace.TracerProvider | None) -> None:
    """Tests: record our own spans (outbox, consumer, provider, jobs) with `provider`."""
    global _override
    _override = provider


def current_trace_id() -> str | None:
    """The current span's trace id in hex (32 digits), or None outside any trace."""
    context = trace.get_current_span().get_span_context()
    return format_trace_id(context.trace_id) if context.is_valid else None


def trace_headers() -> dict[str, str]:
    """`traceparent` (and `tracestate`) of the current span; empty outside any trace."""
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier)
    return carrier


async def propagate(request: httpx.Request) -> None:
    """An httpx request hook: the call to another service of ours continues the current trace."""
    request.headers.update(trace_headers())


def current_traceparent() -> str | None:
    return trace_headers().get("traceparent")


def context_of(headers: Mapping[str, str]) -> Context:
    """The remote parent named by `traceparent`; an empty context (a new trace) without one."""
    return _PROPAGATOR.extract(headers)


def record_context(headers: Sequence[tuple[str, bytes]] | None) -> Context:
    """The parent context carried by a Kafka record's headers."""
    carrier = {
        key: value.decode(errors="replace")
        for key, value in headers or ()
        if key in TRACE_HEADERS and value is not None
    }
    return context_of(carrier)


@contextmanager
def handling(consumer: str, record: Any, event: Envelope) -> Iterator[Span]:
    """The span of one event's handling, a child of the writer's (from the record's headers)."""
    with tracer().start_as_current_span(
        f"handle {event.type}", context=record_context(record.headers), kind=SpanKind.CONSUMER
    ) as span:
        if span.is_recording():
            span.set_attributes(
                {
                    "messaging.system": "kafka",
                    "messaging.operation.type": "process",
                    "messaging.consumer.group.name": consumer,
                    "messaging.destination.name": record.topic,
                    "messaging.destination.partition.id": str(record.partition),
                    "messaging.kafka.offset": record.offset,
                    "messaging.message.id": str(event.event_id),
                    **event_attributes(event),
                }
            )
        yield span


def event_attributes(event: Envelope) -> dict[str, str]:
    attributes = {
        "arcadia.event_type": event.type,
        "arcadia.correlation_id": str(event.correlation_id),
        "arcadia.tenant_id": event.tenant_id,
    }
    if event.saga_id:
        attributes["arcadia.saga_id"] = str(event.saga_id)
    if event.deployment_id:
        attributes["arcadia.deployment_id"] = str(event.deployment_id)
    return attributes


@contextmanager
def continued(name: str, traceparent: str | None, **attributes: str) -> Iterator[Span]:
    """A span continuing the trace a stored `traceparent` names (e.g. a durable job's)."""
    parent = context_of({"traceparent": traceparent} if traceparent else {})
    with tracer().start_as_current_span(name, context=parent) as span:
        if attributes and span.is_recording():
            span.set_attributes(attributes)
        yield span


class JsonLinesExporter(SpanExporter):
    """Test-only sink: each finished span as one JSON line (`ReadableSpan.to_json`) in a file."""

    def __init__(self, path: Path) -> None:
        self._file: IO[str] | None = open(path, "a", encoding="utf-8")  # noqa: SIM115

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        if self._file is None:
            return SpanExportResult.FAILURE
        for span in spans:
            self._file.write(json.dumps(json.loads(span.to_json()), separators=(",", ":")) + "\n")
        self._file.flush()
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def traces_endpoint(base: str) -> str:
    """OTLP/HTTP's traces URL under a base endpoint, as the SDK derives it from the variable."""
    return f"{base.rstrip('/')}/v1/traces"


def build_provider(
    service: str, *, otlp_endpoint: str = "", spans_dir: str = ""
) -> tuple[TracerProvider, bool]:
    """The tracer provider of a service, and whether it exports (and so records) spans.

    With neither an OTLP endpoint nor a span sink, spans are never sampled: trace ids exist and
    travel (logs and `traceparent` headers carry them) but nothing is recorded or exported.
    """
    exporting = bool(otlp_endpoint or spans_dir)
    provider = TracerProvider(
        resource=Resource.create({"service.name": service}),
        sampler=ALWAYS_ON if exporting else ALWAYS_OFF,
    )
    if otlp_endpoint:
        # Imported only when used: the exporter pulls in protobuf and requests.
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter(endpoint=traces_endpoint(otlp_endpoint))
        provider.add_span_processor(BatchSpanProcessor(exporter))
    if spans_dir:
        path = Path(spans_dir) / f"{service}-{os.getpid()}.jsonl"
        provider.add_span_processor(SimpleSpanProcessor(JsonLinesExporter(path)))
    return provider, exporting


def configure_tracing(service: str, *, otlp_endpoint: str = "", spans_dir: str = "") -> bool:
    """Install the process's tracer provider (`python -m arcadia_<svc>`, once) and the logs'
    trace id source; True if spans are exported. The provider flushes at exit."""
    provider, exporting = build_provider(service, otlp_endpoint=otlp_endpoint, spans_dir=spans_dir)
    trace.set_tracer_provider(provider)
    set_trace_id_source(current_trace_id)
    return exporting
