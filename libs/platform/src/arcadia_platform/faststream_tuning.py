"""One measured cut to FastStream's (0.7) batch consume loop, applied by `InboxConsumer.subscribe`.

FastStream's `BatchSubscriber.get_msg` asks aiokafka for records with a timeout and, when none
came, **sleeps** that timeout again before asking anew. A record that arrives during the sleep
waits for it to end: with the 5 ms timeout the consumer used, 1.25 ms on average and up to 5 ms
on every hop of a saga, which crosses Kafka about eight times (docs/benchmarks.md, "Stop 21").

aiokafka's `getmany(timeout_ms=...)` already waits on a future that the fetcher completes as soon
as records arrive, and returns them at once; the sleep only spaces out empty polls. Without it,
the empty polls are spaced by the (longer) `IDLE_POLL_MS` instead, and a record is handed over
the moment aiokafka has it.

The replaced method is checked against FastStream's own: an upgrade that changes it fails the
unit test `libs/platform/tests/test_faststream_tuning.py` instead of silently running other code.
"""

from __future__ import annotations

from itertools import chain
from typing import Any

from faststream.kafka.subscriber.usecase import BatchSubscriber

# How long one poll waits for records while the topics are idle. It bounds nothing a record
# waits for (getmany returns as soon as there is one); only how often an idle loop turns, and
# how long a stopping subscriber may take to notice.
IDLE_POLL_MS = 100

ORIGINALS = {"get_msg": BatchSubscriber.get_msg}


async def get_batch_without_idle_sleep(self: BatchSubscriber, consumer: Any) -> tuple[Any, ...]:
    """FastStream's `BatchSubscriber.get_msg` minus the sleep after an empty poll."""
    assert consumer, "You should setup subscriber at first."
    messages = await consumer.getmany(
        timeout_ms=self.batch_timeout_ms,
        max_records=self.max_records,
    )
    return tuple(chain(*messages.values()))


def apply() -> None:
    """Idempotent: install the replacement."""
    BatchSubscriber.get_msg = get_batch_without_idle_sleep  # type: ignore[method-assign]
