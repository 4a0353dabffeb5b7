"""Dead-letter path: a message that cannot be handled goes to `<topic>.dlq`, bytes untouched."""

from __future__ import annotations

from typing import Any

from aiokafka import AIOKafkaProducer

from arcadia_contracts.topics import dlq
from arcadia_platform.logs import get_logger

log = get_logger(__name__)


class DeadLetters:
    def __init__(self, producer: AIOKafkaProducer, consumer_name: str) -> None:
        self._producer = producer
        self._consumer_name = consumer_name

    async def send(self, record: Any, reason: str, detail: str) -> None:
        """Copy `record` (an aiokafka ConsumerRecord) to its DLQ with the reason and origin."""
        headers = [
            *(record.headers or ()),
            ("dlq-reason", reason.encode()),
            ("dlq-detail", detail[:2000].encode()),
            ("dlq-consumer", self._consumer_name.encode()),
            ("dlq-origin-topic", record.topic.encode()),
            ("dlq-origin-partition", str(record.partition).encode()),
            ("dlq-origin-offset", str(record.offset).encode()),
        ]
        await self._producer.send_and_wait(
            dlq(record.topic), value=record.value, key=record.key, headers=headers
        )
        log.warning(
            "event.dead_lettered",
            reason=reason,
            detail=detail[:300],
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
        )
