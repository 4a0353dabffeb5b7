"""The replacement of faststream_tuning: the same batches as FastStream's own, minus the sleep."""

from __future__ import annotations

import hashlib
import inspect
from typing import Any

import pytest
from faststream.kafka.subscriber.usecase import BatchSubscriber

from arcadia_platform import faststream_tuning

# Fingerprint of the FastStream method replaced (0.7.8). If an upgrade changes it, this test
# fails: read the new version and carry its change into faststream_tuning, then update the hash.
FASTSTREAM_SOURCE = "0efea2c3c73db62b"


def test_the_replaced_faststream_method_is_the_one_it_was_written_against() -> None:
    source = inspect.getsource(faststream_tuning.ORIGINALS["get_msg"])
    assert hashlib.sha256(source.encode()).hexdigest()[:16] == FASTSTREAM_SOURCE


class FakeConsumer:
    """aiokafka's getmany as the subscriber sees it: records by partition, or {} after a wait."""

    def __init__(self, answers: list[dict[str, list[str]]]) -> None:
        self.answers = answers
        self.asked: list[tuple[int, int | None]] = []

    def __bool__(self) -> bool:
        return True

    async def getmany(self, *, timeout_ms: int, max_records: int | None) -> dict[str, list[str]]:
        self.asked.append((timeout_ms, max_records))
        return self.answers.pop(0)


def subscriber() -> Any:
    # Only the two attributes get_msg reads: a real BatchSubscriber needs a broker's config.
    found = object.__new__(BatchSubscriber)
    found.batch_timeout_ms = faststream_tuning.IDLE_POLL_MS
    found.max_records = 50
    return found


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    taken: list[float] = []

    async def sleep(seconds: float) -> None:
        taken.append(seconds)

    monkeypatch.setattr("faststream.kafka.subscriber.usecase.anyio.sleep", sleep)
    return taken


async def test_records_come_back_in_partition_order_as_faststreams_own(sleeps: list[float]) -> None:
    answers = {"p0": ["a", "b"], "p1": ["c"]}
    ours = await faststream_tuning.get_batch_without_idle_sleep(
        subscriber(), FakeConsumer([dict(answers)])
    )
    theirs = await faststream_tuning.ORIGINALS["get_msg"](subscriber(), FakeConsumer([answers]))
    assert ours == theirs == ("a", "b", "c")
    assert sleeps == []


async def test_an_empty_poll_returns_at_once_where_faststreams_own_sleeps(
    sleeps: list[float],
) -> None:
    consumer = FakeConsumer([{}])
    assert await faststream_tuning.get_batch_without_idle_sleep(subscriber(), consumer) == ()
    assert consumer.asked == [(faststream_tuning.IDLE_POLL_MS, 50)]
    assert sleeps == []
    # The counter-check: the stock method would sleep the poll's timeout again.
    assert await faststream_tuning.ORIGINALS["get_msg"](subscriber(), FakeConsumer([{}])) == ()
    assert sleeps == [faststream_tuning.IDLE_POLL_MS / 1000]


def test_apply_installs_the_replacement_once_and_for_all() -> None:
    faststream_tuning.apply()
    faststream_tuning.apply()
    assert BatchSubscriber.get_msg is faststream_tuning.get_batch_without_idle_sleep
