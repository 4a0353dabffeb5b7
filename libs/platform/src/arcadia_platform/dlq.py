"""Dead-letter path: a message that cannot be handled goes to `<topic>.dlq`, bytes untouched."""

from __future__ import annotations

from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.errors import MessageSizeTooLargeError, RecordListTooLargeError, RecordTooLargeError

from arcadia_contracts.topics import dlq
from arcadia_platform.db import Connection
from arcadia_platform.logs import get_logger
from arcadia_platform.metrics import DLQ_SENT

log = get_logger(__name__)

# The DLQ copy is the original plus our headers, so a record near Kafka's size limit may not fit.
TOO_LARGE = (MessageSizeTooLargeError, RecordListTooLargeError, RecordTooLargeError)


def safe_detail(detail: str) -> str:
    """`detail` cut short, with what UTF-8 (lone surrogates) or PostgreSQL text (NUL) cannot hold
    escaped: an error message may quote the bad input, and failing to note it would stall us."""
    text = detail[:2000].encode("utf-8", "backslashreplace").decode("utf-8")
    return text.replace("\x00", "\\x00")


async def first_dead_letter(
    conn: Connection, consumer: str, record: Any, reason: str, detail: str
) -> bool:
    """Note that `consumer` dead-letters the record at this position; False if it already did."""
    inserted = await conn.fetchval(
        "INSERT INTO dead_letters (consumer, topic, kafka_partition, kafka_offset, reason, detail)"
        " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING true",
        consumer,
        record.topic,
        record.partition,
        record.offset,
        reason,
        safe_detail(detail),
    )
    return bool(inserted)


class DeadLetters:
    def __init__(self, producer: AIOKafkaProducer, consumer_name: str) -> None:
        self._producer = producer
        self._consumer_name = consumer_name

    async def send(self, record: Any, reason: str, detail: str) -> None:
        """Copy `record` (an aiokafka ConsumerRecord) to its DLQ with the reason and origin.

        Any other producer error propagates: the caller must not move past the record.
        """
        ours = [
            ("dlq-reason", reason.encode()),
            ("dlq-detail", safe_detail(detail).encode()),
            ("dlq-consumer", self._consumer_name.encode()),
            ("dlq-origin-topic", record.topic.encode()),
            ("dlq-origin-partition", str(record.partition).encode()),
            ("dlq-origin-offset", str(record.offset).encode()),
        ]
        omitted = False
        try:
            await self._producer.send_and_wait(
                dlq(record.topic),
                value=record.value,
                key=record.key,
                headers=[*(record.headers or ()), *ours],
            )
        except TOO_LARGE as exc:
            # Refusing it for good would stall the partition; the entry still names the origin
            # (topic, partition, offset), where the full record stays for the topic's retention.
            omitted = True
            log.warning("event.dead_letter_too_large", error=repr(exc), topic=record.topic)
            await self._producer.send_and_wait(
                dlq(record.topic),
                value=None,
                key=record.key,
                headers=[*ours, ("dlq-omitted", b"value,headers")],
            )
        DLQ_SENT.labels(self._consumer_name, record.topic, reason).inc()
        log.warning(
            "event.dead_lettered",
            reason=reason,
            detail=safe_detail(detail)[:300],
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            omitted=omitted,
        )
