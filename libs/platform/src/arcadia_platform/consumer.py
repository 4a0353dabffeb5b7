"""At-least-once consumption with an inbox, bounded retries and a dead-letter path.

For each message: screen it (null, oversize, headers or bytes that are not an event -> DLQ at
once, that record alone: see inbound.py); find the handler for its type (none -> skip). A
consumed batch is applied in one transaction per EVENTS_PER_TRANSACTION events: the inbox rows
(consumer, event_id) in one statement, then each handler under its own savepoint. The Kafka
offsets are committed only after the last of those transactions commits (FastStream's
NACK_ON_ERROR policy: ack after the handler returns, seek back if it raises). A handler that
raises rolls back to its savepoint, is retried with backoff, then dead-lettered (its inbox row
removed again), so the partition moves on. Infrastructure failures (the database is
unreachable) are not the message's fault: the batch is redelivered until they pass.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from itertools import takewhile
from typing import Any

import asyncpg
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from opentelemetry.trace import StatusCode

from arcadia_contracts import Envelope
from arcadia_contracts.codec import REGISTRY, Registry
from arcadia_platform import faststream_tuning
from arcadia_platform.consumer_types import (
    EVENTS_PER_TRANSACTION,
    HANDLER_FAILED,
    INFRASTRUCTURE_ERRORS,
    INVALID_EVENT,
    Handler,
    InvalidEventError,
    RetryPolicy,
    Routes,
)
from arcadia_platform.db import Connection
from arcadia_platform.dlq import DeadLetters, first_dead_letter
from arcadia_platform.faults import NO_FAULTS, CrashPoints
from arcadia_platform.inbound import InboundScreen, Rejected, raw_batch_decoder, safe_batch_parser
from arcadia_platform.inbox import Savepoint, forget, record_many
from arcadia_platform.logs import event_context, get_logger
from arcadia_platform.metrics import EVENTS_HANDLED, HANDLER_SECONDS
from arcadia_platform.outbox import Outbox
from arcadia_platform.topicnames import TopicNames
from arcadia_platform.tracing import handling

log = get_logger(__name__)
__all__ = ["HANDLER_FAILED", "INFRASTRUCTURE_ERRORS", "INVALID_EVENT", "Handler"]
__all__ += ["InboxConsumer", "InvalidEventError", "RetryPolicy", "Routes"]


class _HandlerFailedError(Exception):
    """A handler raised during a chunk's first attempt, made without savepoints."""


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
        faststream_tuning.apply()

        async def on_batch(msg: KafkaMessage) -> None:
            # Records arrive grouped by partition, in offset order. The whole batch is applied in
            # one transaction (a savepoint per event); its offsets are committed once, after that
            # transaction commits. If it raises, the batch is sought back and nothing of it stays.
            records = msg.raw_message if isinstance(msg.raw_message, tuple) else (msg.raw_message,)
            await self.process_batch(records)

        broker.subscriber(
            *(self._names.physical(topic) for topic in self._routes.topics()),
            group_id=self._names.group(self.name),
            auto_offset_reset="earliest",
            ack_policy=AckPolicy.NACK_ON_ERROR,
            batch=True,
            max_records=self._max_batch,
            batch_timeout_ms=faststream_tuning.IDLE_POLL_MS,
            max_poll_interval_ms=300_000,
            session_timeout_ms=self._session_timeout_ms,
            heartbeat_interval_ms=max(1000, self._session_timeout_ms // 4),
            title=f"{self.name}-consumer",
            # FastStream's defaults decode every header and value of the batch up front: one
            # bad record would make them raise and the whole batch be dropped unseen.
            parser=safe_batch_parser,
            decoder=raw_batch_decoder,
        )(on_batch)

    async def process(self, record: Any) -> None:  # one record: tools and tests
        await self.process_batch((record,))

    async def process_batch(self, records: Sequence[Any]) -> None:
        work: list[tuple[Any, Envelope | Rejected, Handler | None]] = []
        for record in records:
            event = self._screen.check(record)
            if isinstance(event, Rejected):
                work.append((record, event, None))
                continue
            routes = self._routes.by_topic.get(self._names.logical(record.topic), {})
            if (handler := routes.get(event.type)) is not None:
                work.append((record, event, handler))
            else:
                EVENTS_HANDLED.labels(self.name, event.type, "skipped").inc()
        start = 0
        while start < len(work):
            record, event, _ = work[start]
            if isinstance(event, Rejected):  # in order: nothing after it commits before it
                await self._dead_letter(record, event.reason, event.detail)
                start += 1
                continue
            chunk = list(takewhile(lambda w: not isinstance(w[1], Rejected), work[start:]))
            applied, dead = await self._apply_chunk(chunk[:EVENTS_PER_TRANSACTION])
            start += applied
            if dead is not None:
                await self._dead_letter(*dead)
        for record in records:
            self.positions[(record.topic, record.partition)] = record.offset + 1

    async def _apply_chunk(self, work: list[Any]) -> tuple[int, tuple[Any, str, str] | None]:
        """One transaction: the inbox rows in one statement, each event under a savepoint. A
        failing event ends it: its inbox row and those after it are removed, what came before
        commits; returns how many records it settled and the one to dead-letter (after, holding
        no connection). An infrastructure error rolls all back and raises (redelivered).

        The savepoints are set only when they are needed. The chunk is first applied without
        them (a savepoint is a round trip per event: a fifth of a consumer's time, measured);
        if a handler raises, that transaction is rolled back whole and the chunk is applied
        again with a savepoint per event, as described above. Nothing of the first attempt
        stays: not its rows, not its counters (they are counted after a commit)."""
        try:
            return await self._apply_chunk_once(work, careful=False)
        except _HandlerFailedError:
            return await self._apply_chunk_once(work, careful=True)

    async def _apply_chunk_once(
        self, work: list[Any], *, careful: bool
    ) -> tuple[int, tuple[Any, str, str] | None]:
        written_before = self._outbox.written
        fresh = settled = 0
        dead: list[tuple[Any, str, str]] = []
        outcomes: list[tuple[Envelope, str]] = []
        duplicates: list[tuple[Envelope, Any]] = []
        # The last copy's position names the row (retention.py keeps it while Kafka holds it).
        unseen = {e.event_id: (e, r.topic, r.partition, r.offset) for r, e, _ in work}
        async with self._pool.acquire() as conn, conn.transaction():
            new = await record_many(conn, self.name, list(unseen.values()))
            savepoint = Savepoint(conn) if careful else None
            for record, event, handler in work:
                settled += 1
                if event.event_id not in new:
                    duplicates.append((event, record))
                    continue
                new.discard(event.event_id)  # the same id twice in one batch: once
                # The handling's span is a child of the writer's (traceparent in the headers).
                with (
                    handling(self.name, record, event) as span,
                    event_context(event),
                    HANDLER_SECONDS.labels(self.name, event.type).time(),
                ):
                    applied_ok = await self._apply(conn, savepoint, handler, event, record, dead)
                    if not applied_ok and span.is_recording():
                        span.set_status(StatusCode.ERROR, dead[-1][1])
                outcomes.append((event, "ok" if applied_ok else "dead_lettered"))
                if not applied_ok:
                    await forget(conn, self.name, [event.event_id, *new])
                    break
                fresh += 1
        for event, record in duplicates:
            self._duplicate(event, record)
        for event, outcome in outcomes:
            EVENTS_HANDLED.labels(self.name, event.type, outcome).inc()
        if fresh:
            self.handled += fresh
            if self._outbox.written != written_before:
                self._outbox.notify()
            if self._after_commit is not None:
                self._after_commit()
            for _ in range(fresh):
                self._crash.hit("consumer.after_commit")
        return settled, dead[0] if dead else None

    async def _apply(
        self,
        conn: Connection,
        savepoint: Savepoint | None,
        handler: Handler,
        event: Envelope,
        record: Any,
        dead: list[tuple[Any, str, str]],
    ) -> bool:
        """Run one event under its savepoint with today's retry rules; True if applied, else it
        is added to `dead`. Without a savepoint (the first attempt at a chunk), any failure of
        the handler's own raises _HandlerFailedError: the chunk is applied again carefully."""
        attempt = 0
        while True:
            attempt += 1
            if savepoint is not None:
                await savepoint.set()
            try:
                await handler(conn, event)
                return True
            except INFRASTRUCTURE_ERRORS as exc:
                EVENTS_HANDLED.labels(self.name, event.type, "infrastructure_error").inc()
                log.warning("event.infrastructure_error", error=repr(exc), type=event.type)
                await asyncio.sleep(self._retry.backoff_max_s)
                raise  # nack: the batch is redelivered, nothing is lost
            except Exception as exc:
                if savepoint is None:
                    raise _HandlerFailedError from exc
                await savepoint.rollback()
                if isinstance(exc, InvalidEventError):
                    reason, detail = exc.reason, str(exc)
                elif attempt < self._retry.max_attempts:
                    EVENTS_HANDLED.labels(self.name, event.type, "retried").inc()
                    log.info("event.retry", type=event.type, attempt=attempt, error=repr(exc))
                    await asyncio.sleep(self._retry.delay(attempt))
                    continue
                else:
                    reason = HANDLER_FAILED
                    detail = f"{type(exc).__name__}: {exc} (after {attempt} attempts)"
                dead.append((record, reason, detail))
                return False

    def _duplicate(self, event: Envelope, record: Any) -> None:
        self.duplicates += 1
        EVENTS_HANDLED.labels(self.name, event.type, "duplicate").inc()
        where = {"topic": record.topic, "offset": record.offset}
        with event_context(event):
            log.info("inbox.duplicate", consumer=self.name, event_id=str(event.event_id), **where)

    async def _dead_letter(self, record: Any, reason: str, detail: str) -> None:
        """Copy the record to its DLQ once, even if its batch is redelivered afterwards.

        The position is noted in the same transaction that spans the DLQ publish: if the publish
        fails (broker trouble) nothing is noted and the error makes the batch redeliver, so the
        record is never lost; only a crash between Kafka's ack and the commit can copy it twice.
        """
        try:
            async with self._pool.acquire() as conn, conn.transaction():
                if not await first_dead_letter(conn, self.name, record, reason, detail):
                    where = {"partition": record.partition, "offset": record.offset}
                    log.info(
                        "event.dead_letter_duplicate",
                        consumer=self.name,
                        reason=reason,
                        topic=record.topic,
                        **where,
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
