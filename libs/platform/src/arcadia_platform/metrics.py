"""Prometheus metrics: the collectors every service shares, and the `/metrics` route.

One registry per process (prometheus_client's default, which Litestar's Prometheus middleware
uses for the HTTP metrics too): each service is its own process, so its `/metrics` shows only
itself. Counters and histograms are updated in place on the hot path (a dict lookup and an add);
the gauges that need the database or the Kafka client (outbox backlog, consumer lag, sagas by
status) are computed only when `/metrics` is scraped, by the runtime's `scrape_hooks`.

Every name is listed in the README ("Metrics"). Labels stay low-cardinality: event types, step
names, reasons, outcomes, partitions; never ids.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from litestar import Request, get
from litestar.plugins.prometheus import PrometheusConfig
from litestar.response import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

from arcadia_platform.logs import get_logger

log = get_logger(__name__)

PREFIX = "arcadia"
# Seconds: from a cached read (~1 ms) to a provider call that waited on its limiter (~30 s).
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
STEP_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0)
# A scrape never waits longer than this for the database or Kafka: a gauge it could not refresh
# keeps its last value (and the failure is logged), the counters are served regardless.
SCRAPE_REFRESH_TIMEOUT_S = 2.0

ScrapeHook = Callable[[], Awaitable[None]]

# --- events (libs/platform/consumer.py, dlq.py) -------------------------------------------------
EVENTS_HANDLED = Counter(
    f"{PREFIX}_events_handled_total",
    "Events a consumer took, by type and outcome: ok, duplicate (inbox already had it), retried "
    "(one failed attempt), dead_lettered, infrastructure_error (redelivered), skipped (no handler)",
    ["consumer", "event_type", "outcome"],
)
HANDLER_SECONDS = Histogram(
    f"{PREFIX}_event_handler_seconds",
    "Time to handle one event (inbox insert + handler, one transaction, retries included)",
    ["consumer", "event_type"],
    buckets=LATENCY_BUCKETS,
)
CONSUMER_LAG = Gauge(
    f"{PREFIX}_consumer_lag",
    "Records not yet handled per assigned partition: the partition's high watermark less the "
    "next offset to handle (computed on scrape)",
    ["consumer", "topic", "partition"],
)
DLQ_SENT = Counter(
    f"{PREFIX}_dlq_sent_total",
    "Records copied to a dead-letter topic, by reason",
    ["consumer", "topic", "reason"],
)

# --- outbox (computed on scrape from the service's database) ------------------------------------
OUTBOX_BACKLOG = Gauge(f"{PREFIX}_outbox_backlog", "Outbox rows not yet sent (parked excluded)")
OUTBOX_OLDEST_AGE = Gauge(
    f"{PREFIX}_outbox_oldest_unsent_age_seconds",
    "Age of the oldest unsent, unparked outbox row (0 when there is none)",
)
OUTBOX_PARKED = Gauge(f"{PREFIX}_outbox_parked", "Outbox rows parked as unpublishable")

# --- sagas (the gateway) -----------------------------------------------------------------------
SAGAS = Gauge(
    f"{PREFIX}_sagas", "Sagas by kind and status (computed on scrape)", ["kind", "status"]
)
SAGA_STEP_SECONDS = Histogram(
    f"{PREFIX}_saga_step_seconds",
    "Duration of a saga step, from its start to the event that marked it done",
    ["step"],
    buckets=STEP_BUCKETS,
)

# --- the provider (libs/platform/digitalocean) --------------------------------------------------
PROVIDER_CALLS = Counter(
    f"{PREFIX}_provider_calls_total",
    "HTTP requests to the cloud provider, by method and outcome: ok, not_found, rate_limited "
    "(429), rejected (other 4xx), server_error (5xx), unreachable (no answer)",
    ["method", "outcome"],
)
PROVIDER_RATE_LIMIT_WAIT = Counter(
    f"{PREFIX}_provider_rate_limit_wait_seconds_total",
    "Seconds spent waiting on rate limits: our token bucket (limiter) or the provider's 429s "
    "(retry_after)",
    ["source"],
)
for _source in ("limiter", "retry_after"):  # shown at 0 before the first wait
    PROVIDER_RATE_LIMIT_WAIT.labels(_source)

# --- HTTP ----------------------------------------------------------------------------------------
IDEMPOTENCY_REPLAYS = Counter(
    f"{PREFIX}_idempotency_replays_total",
    "Requests answered from a stored Idempotency-Key answer instead of being run again",
)


def http_metrics(service: str) -> PrometheusConfig:
    """Litestar's Prometheus middleware: arcadia_requests_total, arcadia_request_duration_seconds,
    arcadia_requests_in_progress, arcadia_requests_error_total, labelled by route template (not
    the raw path: ids would explode the series), method and status code."""
    return PrometheusConfig(
        app_name=service,
        prefix=PREFIX,
        group_path=True,
        exclude=["^/metrics$", "^/health$"],
        buckets=list(LATENCY_BUCKETS),
    )


async def refresh(hooks: Sequence[ScrapeHook]) -> None:
    """Run the scrape hooks side by side, each bounded; one failing never fails the scrape."""

    async def one(hook: ScrapeHook) -> None:
        try:
            await asyncio.wait_for(hook(), SCRAPE_REFRESH_TIMEOUT_S)
        except Exception as exc:
            log.warning(
                "metrics.refresh_failed", hook=getattr(hook, "__qualname__", "?"), error=repr(exc)
            )

    await asyncio.gather(*(one(hook) for hook in hooks))


@get("/metrics", include_in_schema=False)
async def metrics(request: Request[Any, Any, Any]) -> Response[bytes]:
    """The Prometheus text exposition of this process's registry (Litestar's PrometheusController
    does the same without the refresh of the scrape-time gauges)."""
    runtime = request.app.state.runtime
    await refresh(runtime.scrape_hooks)
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)


OUTBOX_QUERY = (
    "SELECT count(*) FILTER (WHERE parked_at IS NULL) AS backlog,"
    " count(*) FILTER (WHERE parked_at IS NOT NULL) AS parked,"
    " COALESCE(EXTRACT(EPOCH FROM clock_timestamp()"
    "  - min(created_at) FILTER (WHERE parked_at IS NULL)), 0)::float8 AS oldest_s"
    " FROM outbox WHERE sent_at IS NULL"  # the partial index outbox_unsent: unsent rows only
)


async def refresh_outbox(pool: Any) -> None:
    """The outbox gauges, from one query over the unsent rows only."""
    async with pool.acquire(timeout=SCRAPE_REFRESH_TIMEOUT_S) as conn:
        row = await conn.fetchrow(OUTBOX_QUERY)
    OUTBOX_BACKLOG.set(row["backlog"])
    OUTBOX_PARKED.set(row["parked"])
    OUTBOX_OLDEST_AGE.set(row["oldest_s"])


async def refresh_consumer_lag(consumer: Any, broker: Any, logical: Callable[[str], str]) -> None:
    """Lag per assigned partition, from what the Kafka client already knows (the high watermark
    of its last fetch) and the next offset the consumer has to handle: no network round trip.
    A partition with no record handled yet since the process started counts from its committed
    position when the client knows it, and is left out otherwise."""
    CONSUMER_LAG.clear()  # partitions given away in a rebalance must not linger
    if consumer is None or broker is None:
        return
    for subscriber in broker.subscribers:
        client = getattr(subscriber, "consumer", None)
        if client is None:
            continue
        for tp in client.assignment():
            high = client.highwater(tp)
            done = consumer.positions.get((tp.topic, tp.partition))
            if done is None:
                done = _fetch_position(client, tp)
            if high is None or done is None:
                continue
            CONSUMER_LAG.labels(consumer.name, logical(tp.topic), str(tp.partition)).set(
                max(0, high - done)
            )


def _fetch_position(client: Any, tp: Any) -> int | None:
    """The client's fetch position of `tp` (aiokafka keeps it; no public synchronous getter)."""
    try:
        state = client._subscription.subscription.assignment.state_value(tp)
        return int(state.position) if state is not None and state.has_valid_position else None
    except Exception:
        return None
