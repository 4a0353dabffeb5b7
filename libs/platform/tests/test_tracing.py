"""Traces across the outbox and Kafka, with an in-memory exporter.

Units: what the outbox writes into an event's headers, what the consumer's span continues, the
provider's span names, the provider with and without an exporter. Then against the real
PostgreSQL and Kafka: a span writes an event, the relay publishes it later (outside any span), the
consumer's handling is a child of the writer's span, and the event its handler writes carries the
handling's traceparent onward.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer, ConsumerRecord
from litestar import Litestar, get
from litestar.testing import TestClient
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, format_span_id, format_trace_id

from arcadia_contracts import Envelope, envelope, topics
from arcadia_contracts.events.deployments import DeploymentStateChanged
from arcadia_platform import tracing
from arcadia_platform.consumer import InboxConsumer, RetryPolicy, Routes
from arcadia_platform.db import Connection, create_pool, migrate
from arcadia_platform.digitalocean.transport import route_template
from arcadia_platform.dlq import DeadLetters
from arcadia_platform.outbox import Outbox, OutboxRelay
from arcadia_platform.runtime import PLATFORM_MIGRATIONS
from arcadia_platform.settings import ServiceSettings
from arcadia_platform.topicnames import TopicNames
from arcadia_platform.tracing_http import TraceContext, http_tracing
from arcadia_testing.plugin import Infra, read_topic


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.use_provider(provider)
    yield exporter
    tracing.use_provider(None)


def changed(actor: str = "t") -> Envelope:
    return envelope(
        DeploymentStateChanged(from_state=None, to_state="active", actor=actor),
        producer="test",
        tenant_id="t",
    )


class CapturingConn:
    def __init__(self) -> None:
        self.rows: list[tuple[Any, ...]] = []

    async def executemany(self, _sql: str, rows: list[tuple[Any, ...]]) -> None:
        self.rows.extend(rows)


def traceparent_of(span: ReadableSpan) -> str:
    context = span.get_span_context()
    assert context is not None
    flags = f"{context.trace_flags:02x}"
    return f"00-{format_trace_id(context.trace_id)}-{format_span_id(context.span_id)}-{flags}"


async def test_the_outbox_writes_the_current_spans_traceparent(
    spans: InMemorySpanExporter,
) -> None:
    conn = CapturingConn()
    outbox = Outbox()
    await outbox.add(conn, topics.DEPLOYMENTS, changed())  # type: ignore[arg-type]
    with tracing.tracer().start_as_current_span("request"):
        await outbox.add(conn, topics.DEPLOYMENTS, changed(), changed())  # type: ignore[arg-type]
    (request,) = spans.get_finished_spans()
    outside, *inside = (json.loads(row[4]) for row in conn.rows)
    assert "traceparent" not in outside
    assert outside["event-type"] == "DeploymentStateChanged"
    assert [h["traceparent"] for h in inside] == [traceparent_of(request)] * 2


def test_the_handling_span_is_a_child_of_the_records_traceparent(
    spans: InMemorySpanExporter,
) -> None:
    event = changed()
    parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    record = ConsumerRecord(
        "arcadia.deployments.v1", 2, 7, 0, 0, b"k", b"{}", None, 1, 2,
        [("event-type", b"DeploymentStateChanged"), ("traceparent", parent.encode())],
    )  # fmt: skip
    with tracing.handling("billing", record, event):
        assert tracing.current_trace_id() == "4bf92f3577b34da6a3ce929d0e0e4736"
    (span,) = spans.get_finished_spans()
    assert span.name == "handle DeploymentStateChanged"
    assert span.kind is SpanKind.CONSUMER
    assert span.parent is not None
    assert format_span_id(span.parent.span_id) == parent[36:52]
    assert span.attributes is not None
    assert span.attributes["messaging.consumer.group.name"] == "billing"
    assert span.attributes["messaging.kafka.offset"] == 7
    assert span.attributes["messaging.message.id"] == str(event.event_id)


def test_the_request_span_is_named_by_its_route_and_continues_the_callers_trace() -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))

    @get("/things/{thing_id:int}", sync_to_thread=False)
    def thing(thing_id: int) -> int:
        return thing_id

    @get("/health", sync_to_thread=False)
    def health() -> str:
        return "ok"

    caller = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    app = Litestar([thing, health], middleware=http_tracing(provider))
    with TestClient(app) as client:
        assert client.get("/things/3", headers={"traceparent": caller}).status_code == 200
        assert client.get("/nothing").status_code == 404
        assert client.get("/health").status_code == 200
    routed, unrouted = exporter.get_finished_spans()  # no span for the probe
    assert routed.name == "GET /things/{thing_id}"
    assert routed.attributes is not None
    assert routed.attributes["http.route"] == "/things/{thing_id}"
    assert routed.kind is SpanKind.SERVER
    assert routed.parent is not None
    assert format_trace_id(routed.parent.trace_id) == caller[3:35]
    assert unrouted.name == "GET"


def test_without_recording_a_request_still_runs_in_its_callers_trace() -> None:
    """The light middleware (no exporter): no instrumentation, but the handler, its logs and the
    outbox rows it writes see the caller's trace id, or a new one; probes get none."""
    provider, exporting = tracing.build_provider("api")
    assert not exporting
    seen: list[str | None] = []

    @get("/things", sync_to_thread=False)
    def things() -> str:
        seen.append(tracing.current_trace_id())
        return "ok"

    @get("/health", sync_to_thread=False)
    def health() -> str:
        seen.append(tracing.current_trace_id())
        return "ok"

    middleware = http_tracing(provider)
    assert middleware == [TraceContext]
    caller = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    tracing.use_provider(provider)
    try:
        with TestClient(Litestar([things, health], middleware=middleware)) as client:
            assert client.get("/things", headers={"traceparent": caller}).status_code == 200
            assert client.get("/things").status_code == 200
            assert client.get("/health").status_code == 200
    finally:
        tracing.use_provider(None)
    continued, started, probe = seen
    assert continued == caller[3:35]
    assert started is not None
    assert started != continued
    assert probe is None


def test_a_record_without_traceparent_starts_a_trace() -> None:
    assert tracing.record_context(None) == tracing.record_context([("event-type", b"X")])
    assert tracing.current_trace_id() is None


def test_provider_span_names_carry_no_ids() -> None:
    assert route_template("/v2/droplets/3164494") == "/v2/droplets/{id}"
    assert route_template("/v2/domains/a.test/records/12") == "/v2/domains/a.test/records/{id}"


def test_without_an_exporter_spans_are_not_recorded_but_trace_ids_travel() -> None:
    provider, exporting = tracing.build_provider("billing")
    assert not exporting
    with provider.get_tracer("t").start_as_current_span("request") as span:
        assert not span.is_recording()
        assert tracing.current_trace_id() == format_trace_id(span.get_span_context().trace_id)
        assert tracing.current_traceparent() is not None


def test_the_span_sink_writes_json_lines(tmp_path: Any) -> None:
    provider, exporting = tracing.build_provider("billing", spans_dir=str(tmp_path))
    assert exporting
    with provider.get_tracer("t").start_as_current_span("request") as span:
        assert span.is_recording()
    provider.shutdown()
    (sink,) = tmp_path.iterdir()
    (line,) = sink.read_text().splitlines()
    written = json.loads(line)
    assert written["name"] == "request"
    assert written["resource"]["attributes"]["service.name"] == "billing"


def test_the_otlp_exporter_is_on_when_the_endpoint_is_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    received: list[tuple[str, str]] = []

    class Collector(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.path, self.headers["Content-Type"]))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", f"http://127.0.0.1:{server.server_port}")
        endpoint = ServiceSettings().otel_exporter_otlp_endpoint
        provider, exporting = tracing.build_provider("billing", otlp_endpoint=endpoint)
        assert exporting
        with provider.get_tracer("t").start_as_current_span("request"):
            pass
        assert provider.force_flush(10_000)
        provider.shutdown()
    finally:
        server.shutdown()
    assert received == [("/v1/traces", "application/x-protobuf")]
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT")
    assert ServiceSettings().otel_exporter_otlp_endpoint == ""


async def test_a_trace_continues_through_the_outbox_and_kafka(
    infra: Infra, database: str, namespace: str, spans: InMemorySpanExporter
) -> None:
    names = TopicNames(namespace)
    pool = await create_pool(database, max_size=2)
    await migrate(pool, [("platform", PLATFORM_MIGRATIONS)])
    outbox = Outbox(names)
    forwarded: list[Envelope] = []

    async def forward(conn: Connection, event: Envelope) -> None:
        follow_up = changed("forwarded")
        forwarded.append(follow_up)
        await outbox.add(conn, topics.BILLING, follow_up)

    routes = Routes()
    routes.on(topics.DEPLOYMENTS, DeploymentStateChanged, forward)
    producer = AIOKafkaProducer(bootstrap_servers=infra.kafka, enable_idempotence=True)
    await producer.start()
    try:
        first = changed("writer")
        async with pool.acquire() as conn, conn.transaction():
            with tracing.tracer().start_as_current_span("writer"):
                await outbox.add(conn, topics.DEPLOYMENTS, first)
        relay = OutboxRelay(pool, producer, outbox)
        assert await relay.publish_batch() == 1  # later, and outside any span
        (record,) = await read_topic(infra.kafka, names.physical(topics.DEPLOYMENTS))
        consumer = InboxConsumer(
            name="billing",
            pool=pool,
            routes=routes,
            outbox=outbox,
            dead_letters=DeadLetters(producer, "billing"),
            retry=RetryPolicy(max_attempts=1),
            topic_names=names,
        )
        await consumer.process_batch([record])
        follow_up_headers = json.loads(
            await pool.fetchval(
                "SELECT headers::text FROM outbox WHERE event_id = $1", forwarded[0].event_id
            )
        )
    finally:
        await producer.stop()
        await pool.close()

    writer, handling = spans.get_finished_spans()
    assert writer.name == "writer"
    assert handling.name == "handle DeploymentStateChanged"
    assert handling.context is not None
    assert writer.context is not None
    assert handling.context.trace_id == writer.context.trace_id
    assert handling.parent is not None
    assert handling.parent.span_id == writer.context.span_id
    assert follow_up_headers["traceparent"] == traceparent_of(handling)
