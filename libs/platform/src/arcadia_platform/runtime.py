"""Everything a service runs besides its own logic: pool, migrations, outbox relay, consumers.

Built in `create_app(settings)` and started in the app's lifespan; nothing happens at import.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from faststream.kafka import KafkaBroker

from arcadia_contracts.codec import REGISTRY, Registry
from arcadia_platform.consumer import InboxConsumer, RetryPolicy, Routes
from arcadia_platform.createdb import open_pools
from arcadia_platform.db import migrate, require_durable
from arcadia_platform.dlq import DeadLetters
from arcadia_platform.faults import CrashPoints
from arcadia_platform.logs import configure_logging, get_logger
from arcadia_platform.metrics import ScrapeHook, refresh_consumer_lag, refresh_outbox
from arcadia_platform.outbox import Outbox, OutboxRelay
from arcadia_platform.retention import Purge, Retention
from arcadia_platform.settings import ServiceSettings
from arcadia_platform.supervise import STOP_STEP_TIMEOUT_S, bounded, supervise, task_names
from arcadia_platform.topicnames import TopicNames

log = get_logger(__name__)
PLATFORM_MIGRATIONS = Path(__file__).parent / "migrations"


class NotStartedError(RuntimeError):
    """The runtime was used before its lifespan started it."""


class ServiceRuntime:
    def __init__(
        self,
        settings: ServiceSettings,
        *,
        migrations: Sequence[tuple[str, Path]] = (),
        routes: Routes | None = None,
        registry: Registry = REGISTRY,
        consumer_name: str | None = None,
        run_relay: bool = True,
    ) -> None:
        self.settings = settings
        self.routes = routes or Routes()
        self.topic_names = TopicNames(settings.topic_namespace)
        self.outbox = Outbox(self.topic_names, max_request_bytes=settings.kafka_max_request_bytes)
        self.crash_points = CrashPoints(settings.faults)
        self._migrations = [("platform", PLATFORM_MIGRATIONS), *migrations]
        self._registry = registry
        self._consumer_name = consumer_name or settings.service_name
        self._run_relay = run_relay
        self._pool: asyncpg.Pool | None = None
        self._events_pool: asyncpg.Pool | None = None
        self._producer: AIOKafkaProducer | None = None
        self._broker: KafkaBroker | None = None
        self._tasks: list[asyncio.Task[Any]] = []
        # Called after each handled event's transaction commits (e.g. to wake a job worker).
        self.after_commit_hooks: list[Callable[[], None]] = []
        # Long-running loops of the service itself, started after the consumers and cancelled
        # on stop (e.g. a job worker, a deadline timer).
        self.background: list[Callable[[], Coroutine[Any, Any, None]]] = []
        self.purges: list[Purge] = []  # the service's own, after the outbox's and the inbox's
        self.retention: Retention | None = None
        self.relay: OutboxRelay | None = None
        self.consumer: InboxConsumer | None = None
        self.scrape_hooks: list[ScrapeHook] = [lambda: refresh_outbox(self.pool), self._lag]

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise NotStartedError("database pool")
        return self._pool

    @property
    def events_pool(self) -> asyncpg.Pool:
        """Event processing's own pool (consumers, relay, timers, workers); HTTP uses `pool`."""
        if self._events_pool is None:
            raise NotStartedError("event-processing database pool")
        return self._events_pool

    @property
    def producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            raise NotStartedError("Kafka producer")
        return self._producer

    async def start(self) -> None:
        s = self.settings
        configure_logging(s.log_level, json=s.log_json, service=s.service_name)
        self._pool, self._events_pool = await open_pools(s)
        await require_durable(
            self._pool,
            allow_non_durable=s.allow_non_durable_db,
            setting_name=f"{s.model_config.get('env_prefix', 'ARCADIA_')}ALLOW_NON_DURABLE_DB",
        )
        applied = await migrate(self._pool, self._migrations)
        log.info("service.migrated", applied=len(applied))
        self._producer = AIOKafkaProducer(
            bootstrap_servers=s.kafka_bootstrap_servers,
            client_id=f"{s.service_name}-producer",
            enable_idempotence=True,
            acks="all",
            # No linger: the relay hands a whole batch of rows to send() without yielding, so
            # they share one request anyway; waiting 1 ms more only delayed every saga hop
            # (a produce-to-consume took 2.7 ms with linger 1, 1.6 ms without).
            linger_ms=0,
            request_timeout_ms=15000,
            max_request_size=s.kafka_max_request_bytes,
        )
        await self._producer.start()
        if self._run_relay:
            self.relay = OutboxRelay(
                self._events_pool,
                self._producer,
                self.outbox,
                batch_size=s.relay_batch_size,
                poll_interval_s=s.relay_poll_interval_s,
                crash_points=self.crash_points,
            )
            self._tasks.append(asyncio.create_task(self.relay.run(), name="outbox-relay"))
        if self.routes.by_topic:
            self._broker = KafkaBroker(
                s.kafka_bootstrap_servers,
                client_id=f"{s.service_name}-consumer",
                graceful_timeout=10.0,
                # Per-message lines at debug; a plain logger: its lines go to the JSON handler.
                log_level=logging.DEBUG,
                logger=logging.getLogger("faststream.kafka.arcadia"),
            )
            self.consumer = InboxConsumer(
                name=self._consumer_name,
                pool=self._events_pool,
                routes=self.routes,
                outbox=self.outbox,
                dead_letters=DeadLetters(self._producer, self._consumer_name),
                retry=RetryPolicy(
                    s.consumer_max_attempts, s.consumer_backoff_base_s, s.consumer_backoff_max_s
                ),
                registry=self._registry,
                crash_points=self.crash_points,
                topic_names=self.topic_names,
                after_commit=self._run_after_commit_hooks,
                session_timeout_ms=s.consumer_session_timeout_ms,
                max_record_bytes=s.consumer_max_record_bytes,
            )
            self.consumer.subscribe(self._broker)
            await self._broker.start()
        self.retention = Retention.of(s, self.pool, self.topic_names, self.routes, self.purges)
        self._tasks.append(asyncio.create_task(supervise("retention", self.retention.run)))
        for loop in self.background:
            name = getattr(loop, "__qualname__", "loop")
            self._tasks.append(asyncio.create_task(supervise(name, loop), name=name))
        log.info("service.started", topics=self.routes.topics())

    async def _lag(self) -> None:
        await refresh_consumer_lag(self.consumer, self._broker, self.topic_names.logical)

    def _run_after_commit_hooks(self) -> None:
        for hook in self.after_commit_hooks:
            hook()

    async def stop(self) -> None:
        """Every step is bounded: a process asked to stop must end, even when a client library
        waits for a broker or a connection that never answers (then the step is logged)."""
        if self._broker is not None:
            await bounded("consumers", self._broker.stop(), STOP_STEP_TIMEOUT_S * 2)
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            _, pending = await asyncio.wait(self._tasks, timeout=STOP_STEP_TIMEOUT_S)
            if pending:
                log.error("service.stop_overran", step="loops", loops=task_names(pending))
        self._tasks.clear()
        if self._producer is not None:
            await bounded("producer", self._producer.stop())
        for pool in (self._pool, self._events_pool):
            if pool is not None and not await bounded("pool", pool.close()):
                pool.terminate()
        log.info("service.stopped")

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[ServiceRuntime]:
        await self.start()
        try:
            yield self
        finally:
            await self.stop()

    async def readiness(self) -> dict[str, bool]:
        """Whether the database answers, Kafka's metadata can be read, and every loop runs."""
        checks = {"database": False, "kafka": False, "loops": self._loops_alive()}
        # Bounded as a whole: against a frozen server a query (not only the acquire) would hang.
        with contextlib.suppress(Exception):
            checks["database"] = await asyncio.wait_for(self._database_answers(), READY_TIMEOUT_S)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.producer.client.fetch_all_metadata(), READY_TIMEOUT_S)
            checks["kafka"] = True
        return checks

    async def _database_answers(self) -> bool:
        async with self.pool.acquire(timeout=READY_TIMEOUT_S) as conn:
            return await conn.fetchval("SELECT true") is True

    def _loops_alive(self) -> bool:
        """No loop of ours and no consumer task has ended (they restart themselves on errors)."""
        ours = all(not task.done() for task in self._tasks)
        # aiokafka's sender task dies for good on a fatal produce error (e.g. an out-of-order
        # sequence); its producer then accepts sends that never complete. Say so here.
        sender = getattr(getattr(self._producer, "_sender", None), "sender_task", None)
        if isinstance(sender, asyncio.Task) and sender.done():
            ours = False
        consuming = True
        if self._broker is not None:
            # FastStream restarts a crashed consume task by adding a new one: one alive is enough.
            for subscriber in self._broker.subscribers:
                tasks = getattr(subscriber, "tasks", [])
                consuming = consuming and any(not task.done() for task in tasks)
                # aiokafka's group coordinator task ends only on an error it did not expect (e.g.
                # aiokafka#1038); the consumer then never rejoins its group. Say so here too.
                coordinator = getattr(getattr(subscriber, "consumer", None), "_coordinator", None)
                coordination = getattr(coordinator, "_coordination_task", None)
                if isinstance(coordination, asyncio.Task) and coordination.done():
                    consuming = False
        return ours and consuming


READY_TIMEOUT_S = 2.0
