"""Every log line written while an event is handled carries its correlation, saga and deployment
ids (and the trace id when there is one), ours and the libraries' alike, all JSON; a line after
the handling carries none of them. The handling runs through the real consumer on PostgreSQL."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any
from uuid import uuid4

import asyncpg
import pytest
import structlog
from aiokafka import ConsumerRecord

from arcadia_contracts import Envelope, encode, envelope, topics
from arcadia_contracts.events.platform import PaymentFailed
from arcadia_platform import logs
from arcadia_platform.consumer import InboxConsumer, RetryPolicy, Routes
from arcadia_platform.db import Connection, migrate
from arcadia_platform.dlq import DeadLetters
from arcadia_platform.logs import configure_logging, get_logger, set_trace_id_source
from arcadia_platform.metrics import EVENTS_HANDLED
from arcadia_platform.outbox import Outbox
from arcadia_platform.runtime import PLATFORM_MIGRATIONS

SAGA, DEPLOYMENT, CORRELATION = uuid4(), uuid4(), uuid4()
EVENT = envelope(
    PaymentFailed(payment_id="pay-1", amount_cents=1200, reason="card declined"),
    producer="payments",
    tenant_id="acme",
    saga_id=SAGA,
    deployment_id=DEPLOYMENT,
    correlation_id=CORRELATION,
)
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"


def record(event: Envelope) -> ConsumerRecord[bytes, bytes]:
    value = encode(event)
    return ConsumerRecord(
        topic=topics.PAYMENTS,
        partition=0,
        offset=7,
        timestamp=0,
        timestamp_type=0,
        key=b"k",
        value=value,
        checksum=None,
        serialized_key_size=1,
        serialized_value_size=len(value),
        headers=[],
    )


async def noisy_handler(_conn: Connection, _event: Envelope) -> None:
    get_logger("test.handler").info("handler.working", step=1)
    logging.getLogger("aiokafka.consumer").warning("library line about %s", "partition 0")
    logging.getLogger("asyncpg.pool").error("another library line")


class NoProducer:
    async def send_and_wait(self, *_: Any, **__: Any) -> None:
        raise AssertionError("nothing is dead-lettered here")


@pytest.fixture
async def pool(database: str) -> AsyncIterator[asyncpg.Pool]:
    created = await asyncpg.create_pool(database, min_size=1, max_size=2)
    await migrate(created, [("platform", PLATFORM_MIGRATIONS)])
    yield created
    await created.close()


@pytest.fixture
def trace() -> Iterator[None]:
    """A trace id source as the tracing set-up would install; logging put back afterwards."""
    set_trace_id_source(lambda: TRACE_ID)
    yield
    set_trace_id_source(logs.no_trace)
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "arcadia", False)]:
        root.removeHandler(handler)
    structlog.reset_defaults()


async def test_every_line_of_a_handling_carries_the_events_ids(
    pool: asyncpg.Pool, capsys: pytest.CaptureFixture[str], trace: None
) -> None:
    configure_logging("INFO", json=True, service="billing")
    # Loggers must not cache capsys's stdout: once this test ends that file is closed, and a
    # module's logger cached here would fail every later test that logs through it.
    structlog.configure(cache_logger_on_first_use=False)
    routes = Routes()
    routes.on(topics.PAYMENTS, PaymentFailed, noisy_handler)
    consumer = InboxConsumer(
        name="billing",
        pool=pool,
        routes=routes,
        outbox=Outbox(),
        dead_letters=DeadLetters(NoProducer(), "billing"),
        retry=RetryPolicy(max_attempts=1, backoff_base_s=0, backoff_max_s=0),
    )
    ok = EVENTS_HANDLED.labels("billing", "PaymentFailed", "ok")
    duplicate = EVENTS_HANDLED.labels("billing", "PaymentFailed", "duplicate")
    ok_before, duplicate_before = ok._value.get(), duplicate._value.get()
    capsys.readouterr()

    await consumer.process(record(EVENT))
    await consumer.process(record(EVENT))  # redelivered: the inbox says duplicate, logged too
    get_logger("test").info("after.handling")
    logging.getLogger("uvicorn.error").warning("after, from a library")

    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line]
    *during, after_ours, after_library = lines
    assert [line["event"] for line in during] == [
        "handler.working",
        "library line about partition 0",
        "another library line",
        "inbox.duplicate",
    ]
    for line in during:
        assert line["correlation_id"] == str(CORRELATION), line
        assert line["saga_id"] == str(SAGA), line
        assert line["deployment_id"] == str(DEPLOYMENT), line
        assert line["event_type"] == "PaymentFailed", line
        assert line["trace_id"] == TRACE_ID, line
        assert line["service"] == "billing", line
    assert during[1]["logger"] == "aiokafka.consumer"
    assert during[1]["level"] == "warning"
    for line in (after_ours, after_library):
        assert not {"correlation_id", "saga_id", "deployment_id"} & set(line), line
    assert after_library["logger"] == "uvicorn.error"
    assert ok._value.get() - ok_before == 1
    assert duplicate._value.get() - duplicate_before == 1
