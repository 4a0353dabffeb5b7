"""Service settings: pydantic-settings with one env prefix per service, plus the shared infra URLs."""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from arcadia_platform.service_auth import default_callers

# The local broker and server of infra/stack.py on their default ports.
DEFAULT_DATABASE_URL = "postgresql://arcadia:arcadia@127.0.0.1:55432/postgres"
DEFAULT_KAFKA = "127.0.0.1:9092"


def kafka_bootstrap_servers() -> str:
    """`KAFKA_BOOTSTRAP_SERVERS`, else the local broker on `ARCADIA_KAFKA_PORT` (as stack.py)."""
    port = os.environ.get("ARCADIA_KAFKA_PORT") or "9092"
    return os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or f"127.0.0.1:{port}"


def database_server_url() -> str:
    """`DATABASE_URL`, else the local server on `ARCADIA_PG_PORT` (as stack.py)."""
    port = os.environ.get("ARCADIA_PG_PORT") or "55432"
    return (
        os.environ.get("DATABASE_URL") or f"postgresql://arcadia:arcadia@127.0.0.1:{port}/postgres"
    )


def database_url_for(database: str, server_url: str | None = None) -> str:
    """`DATABASE_URL` (or the local server) with its database name replaced by `database`."""
    parts = urlsplit(server_url or database_server_url())
    return urlunsplit(parts._replace(path=f"/{database}"))


class ServiceSettings(BaseSettings):
    """Settings every service shares. Subclasses set `env_prefix` and `service_name`."""

    model_config = SettingsConfigDict(env_prefix="ARCADIA_", extra="ignore")

    service_name: str = "service"
    """The service's name in logs and Kafka client ids, and its default database `arcadia_<name>`.
    """
    # `development` (set by `make run` and the test suite) is the only place where the built-in
    # secrets (the gateway's JWT secret, the service secrets) are accepted; anything else refuses
    # to start with them. Unprefixed on purpose: it names the deployment, not one service.
    environment: str = Field(
        default="production", validation_alias=AliasChoices("ARCADIA_ENV", "environment")
    )
    # Who may call this service's `/internal/...` routes: caller name -> its secret, JSON in the
    # environment (e.g. `{"api": "...", "ops": "..."}`); each caller sends
    # `X-Arcadia-Service: <caller>:<secret>`. The built-in development secret is refused outside
    # `ARCADIA_ENV=development`.
    internal_callers: dict[str, str] = Field(default_factory=default_callers)
    database_name: str = ""
    """The database on `DATABASE_URL`'s server when `database_url` is empty; empty:
    `arcadia_<service>`.
    """
    database_url: str = ""
    """The service's own database, in full; empty: `DATABASE_URL`'s server (or the local one) with
    `database_name`. Created at start when missing and the role may.
    """
    kafka_bootstrap_servers: str = Field(default_factory=kafka_bootstrap_servers)
    """The Kafka cluster, `host:port[,host:port...]`."""
    http_host: str = "127.0.0.1"
    """Address the HTTP listener binds."""
    http_port: int = 8000
    """Port of the HTTP listener."""
    log_level: str = "INFO"
    """Lowest level logged: `DEBUG`, `INFO`, `WARNING` or `ERROR`."""
    log_json: bool = True
    """JSON lines on stdout; `false`: lines for people."""
    db_pool_min: int = 1
    """Connections the pool keeps open."""
    db_pool_max: int = 10
    """Most connections the pool opens; every instance counts against the server's
    `max_connections`.
    """
    # A separate, small pool for event processing (consumers, outbox relay, deadline timers, the
    # provisioner's worker), so HTTP load holding every connection of the main pool cannot stop
    # events from being handled. One consumer, the relay and a timer each hold at most one.
    db_events_pool_min: int = Field(default=1, ge=0)
    """Connections the event-processing pool keeps open."""
    db_events_pool_max: int = Field(default=3, ge=1)
    """Most connections the event-processing pool opens (consumers, relay, timers, workers)."""
    # How long a caller waits for a pooled connection (a request then answers 503, a consumer
    # retries), and how long one connect to the server may take (a frozen server never answers).
    db_acquire_timeout_s: float = Field(default=10.0, gt=0)
    """How long a caller waits for a pooled connection (seconds); then a 503, or a redelivery."""
    db_connect_timeout_s: float = Field(default=10.0, gt=0)
    """How long one connect to the server may take (seconds)."""
    # How long one statement may take (a server that froze mid-query never answers); migrations
    # run under it too.
    db_command_timeout_s: float = Field(default=60.0, gt=0)
    relay_batch_size: int = 500
    """Most outbox rows the relay publishes in one batch."""
    relay_poll_interval_s: float = 0.5
    """How often the relay looks for unsent rows when no commit woke it (seconds)."""
    # The largest produce request the Kafka producer sends (aiokafka's `max_request_size`). The
    # outbox refuses, when it is written, an event that could never fit (see outbox.py), so keep
    # it at or below the broker's `message.max.bytes` and the topics' `max.message.bytes`.
    kafka_max_request_bytes: int = Field(default=1_048_576, ge=8_192)
    consumer_max_attempts: int = 5
    """Tries of a handler that raises before its record is dead-lettered (`handler_failed`)."""
    consumer_backoff_base_s: float = 0.05
    """First wait between two tries of a handler (seconds); it grows exponentially, with jitter."""
    consumer_backoff_max_s: float = 2.0
    """Longest wait between two tries of a handler (seconds)."""
    # Largest inbound record (key + value + headers) a consumer accepts; a bigger one is
    # dead-lettered as `oversize`. Events are a few KiB: a record near Kafka's 1 MiB limit is a
    # producer's mistake, and parsing it would hold up its whole partition.
    consumer_max_record_bytes: int = Field(default=512 * 1024, gt=0)
    # How soon Kafka gives a dead consumer's partitions to a live one (the broker's minimum is 6 s).
    consumer_session_timeout_ms: int = 10_000
    # Retention (retention.py): every hot-path table is purged on a schedule, in bounded batches.
    retention_interval_s: float = Field(default=600.0, gt=0)
    """How often the retention purges run (seconds)."""
    retention_batch_size: int = Field(default=1000, ge=1)
    """Most rows one purge statement deletes (a short transaction each)."""
    outbox_retention_s: float = Field(default=7 * 24 * 3600.0, ge=0)
    """How long a sent outbox row is kept (seconds); unsent and parked rows are never purged."""
    inbox_retention_min_s: float = Field(default=8 * 24 * 3600.0, ge=0)
    """Least age of a purged inbox row (seconds); a row also stays while Kafka holds its record
    (its offset is at or above the partition's log-start offset), whatever its age. At least
    `outbox_retention_s` + `retention_interval_s`: an event `arcadia saga retry` can still find
    in an outbox is still in its performer's inbox.
    """
    # Tracing (tracing.py). Unprefixed on purpose: the standard OpenTelemetry variable.
    otel_exporter_otlp_endpoint: str = Field(
        default="",
        validation_alias=AliasChoices("OTEL_EXPORTER_OTLP_ENDPOINT", "otel_exporter_otlp_endpoint"),
    )
    """OTLP/HTTP collector base URL (`OTEL_EXPORTER_OTLP_ENDPOINT`, e.g. `http://otel:4318`);
    spans go to `<url>/v1/traces`. Empty: no exporter, spans are not recorded (trace ids still
    travel in `traceparent` headers and log lines).
    """
    trace_spans_dir: str = ""
    """Tests only: a folder where each process appends its finished spans as JSON lines
    (`<service>-<pid>.jsonl`); empty: off.
    """
    # Prefix of every topic and consumer group; empty in production (see topicnames.py).
    topic_namespace: str = ""
    # Crash points for failure tests, e.g. "consumer.after_commit" (see arcadia_platform.faults).
    faults: str = ""
    # A service refuses a database that may lose committed transactions in a crash (fsync or
    # synchronous_commit off): its inbox and Kafka offsets would then disagree. Only for
    # throwaway databases that are never crashed.
    allow_non_durable_db: bool = False

    @model_validator(mode="after")
    def _inbox_outlives_outbox(self) -> ServiceSettings:
        if self.inbox_retention_min_s < self.outbox_retention_s + self.retention_interval_s:
            raise ValueError(
                "inbox_retention_min_s must be at least outbox_retention_s + retention_interval_s"
            )
        return self

    @model_validator(mode="after")
    def _derive_database_url(self) -> ServiceSettings:
        if not self.database_url:
            self.database_url = database_url_for(
                self.database_name or f"arcadia_{self.service_name}"
            )
        return self
