"""At-least-once consumption with an inbox, bounded retries and a dead-letter path.

For each message: screen it (null, oversize, headers or bytes that are not an event -> DLQ at
once, that record alone: see inbound.py); find the handler for its type (none -> skip);
then, in one transaction, record (consumer, event_id) in the inbox and run the handler. The Kafka
offset is committed only after that transaction commits (FastStream's NACK_ON_ERROR policy: ack
after the handler returns, seek back if it raises). A handler that keeps raising is retried with
backoff, then dead-lettered, so the partition moves on. Infrastructure failures (the database is
unreachable) are not the message's fault: the message is redelivered until they pass.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from arcadia_contracts import Envelope, Event
from arcadia_contracts.codec import REGISTRY, Registry
from arcadia_platform.backoff import Backoff
from arcadia_platform.db import DATABASE_UNAVAILABLE, Connection
from arcadia_platform.dlq import DeadLetters, first_dead_letter
from arcadia_platform.faults import NO_FAULTS, CrashPoints
from arcadia_platform.inbound import InboundScreen, Rejected, raw_batch_decoder, safe_batch_parser
from arcadia_platform.inbox import record_once
from arcadia_platform.logs import event_context, get_logger
from arcadia_platform.metrics import EVENTS_HANDLED, HANDLER_SECONDS
from arcadia_platform.outbox import Outbox
from arcadia_platform.topicnames import TopicNames

log = get_logger(__name__)

Handler = Callable[[Connection, Envelope], Awaitable[None]]
# Not the message's fault: also a server restarting after a crash ("the database system is
# starting up", 57P03) or shutting down (57P01/57P02), and a pool acquire timeout. Dead-lettering
# those lost every event that arrived during crash recovery (found by the chaos tests).
INFRASTRUCTURE_ERRORS: tuple[type[BaseException], ...] = DATABASE_UNAVAILABLE
HANDLER_FAILED = "handler_failed"
INVALID_EVENT = "invalid_event"


class InvalidEventError(Exception):
    """Raised by a handler when an event breaks its contract's rules (e.g. a negative amount).

    The event is dead-lettered at once with `reason` (default `invalid_event`): no retry would
    change it. Its transaction rolls back, inbox row included, so nothing of it is recorded.
    """

    def __init__(self, detail: str, *, reason: str = INVALID_EVENT) -> None:
        super().__init__(detail)
        self.reason = reason


@dataclass
class Routes:
    """Which handler reacts to which event type on which topic."""

    by_topic: dict[str, dict[str, Handler]] = field(default_factory=dict)

    def on(self, topic: str, event: type[Event], handler: Handler) -> None:
        self.by_topic.setdefault(topic, {})[event.__name__] = handler

    def topics(self) -> list[str]:
        return sorted(self.by_topic)


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    backoff_base_s: float = 0.05
    backoff_max_s: float = 2.0

    def delay(self, attempt: int) -> float:
        return Backoff(self.backoff_base_s, self.backoff_max_s).delay(attempt - 1)


class InboxConsumer:
    def __init__(
        self,
        *,
        name: str,
        pool: asyncpg.Pool,
        routes: Routes,
        outbox: Outbox,
        dead_letters: DeadLetters,
        retry: RetryPolicy,
        registry: Registry = REGISTRY,
        crash_points: CrashPoints = NO_FAULTS,
        topic_names: TopicNames | None = None,
        max_batch: int = 250,
        after_commit: Callable[[], None] | None = None,
        session_timeout_ms: int = 10_000,
        max_record_bytes: int = 512 * 1024,
    ) -> None:
        self.name = name
        self._max_batch = max_batch
        self._after_commit = after_commit
        self._session_timeout_ms = session_timeout_ms
        self._names = topic_names or TopicNames()
        self._pool = pool
        self._routes = routes
        self._outbox = outbox
        self._dead_letters = dead_letters
        self._retry = retry
        self._screen = InboundScreen(registry, max_record_bytes)
        self._crash = crash_points
        self.handled = 0
        self.duplicates = 0
        self.positions: dict[tuple[str, int], int] = {}  # (topic, partition) -> next to handle

    def subscribe(self, broker: KafkaBroker) -> None:
        """Register one FastStream subscriber for every routed topic (one consumer group)."""
        if not self._routes.by_topic:
            return

        async def on_batch(msg: KafkaMessage) -> None:
            # Records arrive grouped by partition, in offset order. Each gets its own
            # transaction; the batch's offsets are committed once, after the last one commits.
            # If one raises, the whole batch is sought back and the inbox skips what was done.
            records = msg.raw_message if isinstance(msg.raw_message, tuple) else (msg.raw_message,)
            for record in records:
                await self.process(record)

        broker.subscriber(
            *(self._names.physical(topic) for topic in self._routes.topics()),
            group_id=self._names.group(self.name),
            auto_offset_reset="earliest",
            ack_policy=AckPolicy.NACK_ON_ERROR,
            batch=True,
            max_records=self._max_batch,
            batch_timeout_ms=5,
            max_poll_interval_ms=300_000,
            session_timeout_ms=self._session_timeout_ms,
            heartbeat_interval_ms=max(1000, self._session_timeout_ms // 4),
            title=f"{self.name}-consumer",
            # FastStream's defaults decode every header and value of the batch up front: one
            # bad record would make them raise and the whole batch be dropped unseen.
            parser=safe_batch_parser,
            decoder=raw_batch_decoder,
        )(on_batch)

    async def process(self, record: Any) -> None:
        event = self._screen.check(record)
        if isinstance(event, Rejected):
            await self._dead_letter(record, event.reason, event.detail)
        else:
            with event_context(event):
                await self._handle(record, event)
        self.positions[(record.topic, record.partition)] = record.offset + 1

    async def _handle(self, record: Any, event: Envelope) -> None:
        handler = self._routes.by_topic.get(self._names.logical(record.topic), {}).get(event.type)
        if handler is None:
            EVENTS_HANDLED.labels(self.name, event.type, "skipped").inc()
            return
        with HANDLER_SECONDS.labels(self.name, event.type).time():
            outcome = await self._handle_routed(record, event, handler)
        EVENTS_HANDLED.labels(self.name, event.type, outcome).inc()

    async def _handle_routed(self, record: Any, event: Envelope, handler: Handler) -> str:
        written_before = self._outbox.written
        attempt = 0
        while True:
            attempt += 1
            try:
                fresh = await self._run_once(handler, event, record)
                break
            except INFRASTRUCTURE_ERRORS as exc:
                EVENTS_HANDLED.labels(self.name, event.type, "infrastructure_error").inc()
                log.warning("event.infrastructure_error", error=repr(exc), type=event.type)
                await asyncio.sleep(self._retry.backoff_max_s)
                raise  # nack: the message is redelivered, nothing is lost
            except InvalidEventError as exc:
                await self._dead_letter(record, exc.reason, str(exc))
                return "dead_lettered"
            except Exception as exc:
                if attempt >= self._retry.max_attempts:
                    await self._dead_letter(
                        record,
                        HANDLER_FAILED,
                        f"{type(exc).__name__}: {exc} (after {attempt} attempts)",
                    )
                    return "dead_lettered"
                EVENTS_HANDLED.labels(self.name, event.type, "retried").inc()
                log.info("event.retry", type=event.type, attempt=attempt, error=repr(exc))
                await asyncio.sleep(self._retry.delay(attempt))
        if fresh:
            self.handled += 1
            if self._outbox.written != written_before:
                self._outbox.notify()
            if self._after_commit is not None:
                self._after_commit()
            self._crash.hit("consumer.after_commit")
            return "ok"
        self.duplicates += 1
        log.info(
            "inbox.duplicate",
            consumer=self.name,
            event_id=str(event.event_id),
            type=event.type,
            topic=record.topic,
            offset=record.offset,
        )
        return "duplicate"

    async def _dead_letter(self, record: Any, reason: str, detail: str) -> None:
        """Copy the record to its DLQ once, even if its batch is redelivered afterwards.

        The position is noted in the same transaction that spans the DLQ publish: if the publish
        fails (broker trouble) nothing is noted and the error makes the batch redeliver, so the
        record is never lost; only a crash between Kafka's ack and the commit can copy it twice.
        """
        try:
            async with self._pool.acquire() as conn, conn.transaction():
                if not await first_dead_letter(conn, self.name, record, reason, detail):
                    log.info(
                        "event.dead_letter_duplicate",
                        consumer=self.name,
                        reason=reason,
                        topic=record.topic,
                        partition=record.partition,
                        offset=record.offset,
                    )
                    return
                await self._dead_letters.send(record, reason, detail)
        except INFRASTRUCTURE_ERRORS as exc:
            log.warning("event.infrastructure_error", error=repr(exc), reason=reason)
            await asyncio.sleep(self._retry.backoff_max_s)
            raise  # nack: the record is redelivered and dead-lettered once the database is back
        except Exception as exc:
            log.error(
                "event.dead_letter_failed", error=repr(exc), reason=reason, topic=record.topic
            )
            raise  # nack: the batch is redelivered until the DLQ takes the record
        self._crash.hit("consumer.after_dead_letter")

    async def _run_once(self, handler: Handler, event: Envelope, record: Any) -> bool:
        async with self._pool.acquire() as conn, conn.transaction():
            fresh = await record_once(
                conn, self.name, event, record.topic, record.partition, record.offset
            )
            if fresh:
                await handler(conn, event)
            return fresh
