"""The idempotent-POST helper over an in-memory store: run once, replay, refuse a reused key.

Pure: no database. The gateway's tests run the same helper over PostgreSQL (its advisory lock
and its table) through HTTP.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import cast

import msgspec
import pytest

from arcadia_platform.db import Connection
from arcadia_platform.idempotency import (
    REPLAYED_HEADER,
    Idempotency,
    IdempotencyKeyInFlightError,
    IdempotencyKeyReusedError,
    IdempotentPost,
    StoredAnswer,
)
from arcadia_platform.problems import PROBLEM_JSON, ProblemError
from arcadia_platform.runtime import ServiceRuntime


class Body(msgspec.Struct, frozen=True):
    name: str


class FakeConnection:
    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        yield


class FakePool:
    @asynccontextmanager
    async def acquire(self) -> AsyncIterator[FakeConnection]:
        yield FakeConnection()


class FakeOutbox:
    def __init__(self) -> None:
        self.notified = 0

    def notify(self) -> None:
        self.notified += 1


class FakeRuntime:
    def __init__(self) -> None:
        self.pool = FakePool()
        self.outbox = FakeOutbox()


class MemoryStore:
    def __init__(self, answers: dict[tuple[str, str], StoredAnswer], locked: bool) -> None:
        self._answers = answers
        self._locked = locked

    async def try_lock(self, scope: str, key: str) -> bool:
        return not self._locked

    async def find(self, scope: str, key: str) -> StoredAnswer | None:
        return self._answers.get((scope, key))

    async def save(self, scope: str, key: str, answer: StoredAnswer) -> None:
        self._answers[(scope, key)] = answer


class Harness:
    def __init__(self) -> None:
        self.runtime = FakeRuntime()
        self.answers: dict[tuple[str, str], StoredAnswer] = {}
        self.locked = False
        self.runs = 0
        self.idempotency = Idempotency(
            cast(ServiceRuntime, self.runtime),
            lambda _: MemoryStore(self.answers, self.locked),
        )

    def post(self, key: str | None, scope: str = "acme") -> IdempotentPost:
        return IdempotentPost(self.idempotency, scope, key, "POST", "/things")

    async def create(self, conn: Connection) -> Body:
        self.runs += 1
        return Body(name=f"thing-{self.runs}")


async def test_a_keyed_post_runs_once_and_replays_its_answer() -> None:
    h = Harness()

    first = await h.post("k1").answer(201, Body(name="x"), h.create)
    again = await h.post("k1").answer(201, Body(name="x"), h.create)

    assert h.runs == 1
    assert (first.status_code, first.content) == (201, {"name": "thing-1"})
    assert (again.status_code, again.content) == (201, {"name": "thing-1"})
    assert REPLAYED_HEADER not in first.headers
    assert again.headers[REPLAYED_HEADER] == "true"
    assert h.runtime.outbox.notified == 1  # a replay committed nothing new


async def test_keys_are_scoped_and_an_unkeyed_post_always_runs() -> None:
    h = Harness()

    await h.post("k1", scope="acme").answer(201, Body(name="x"), h.create)
    await h.post("k1", scope="globex").answer(201, Body(name="x"), h.create)
    await h.post(None).answer(201, Body(name="x"), h.create)
    await h.post(None).answer(201, Body(name="x"), h.create)

    assert h.runs == 4


async def test_the_same_key_with_another_body_is_refused() -> None:
    h = Harness()
    await h.post("k1").answer(201, Body(name="x"), h.create)

    with pytest.raises(IdempotencyKeyReusedError):
        await h.post("k1").answer(201, Body(name="y"), h.create)
    assert h.runs == 1


async def test_a_key_in_flight_is_refused_without_running() -> None:
    h = Harness()
    h.locked = True

    with pytest.raises(IdempotencyKeyInFlightError):
        await h.post("k1").answer(201, Body(name="x"), h.create)
    assert h.runs == 0


async def test_a_refusal_is_stored_and_replayed_but_a_failure_is_not() -> None:
    h = Harness()

    async def refuse(conn: Connection) -> Body:
        h.runs += 1
        raise ProblemError(409, "taken", slug="slug-taken")

    async def fail(conn: Connection) -> Body:
        h.runs += 1
        raise RuntimeError("bug")

    refused = await h.post("k1").answer(201, Body(name="x"), refuse)
    replayed = await h.post("k1").answer(201, Body(name="x"), refuse)
    with pytest.raises(RuntimeError):
        await h.post("k2").answer(201, Body(name="x"), fail)

    assert (refused.status_code, refused.media_type) == (409, PROBLEM_JSON)
    assert replayed.content == refused.content
    assert replayed.headers[REPLAYED_HEADER] == "true"
    assert ("acme", "k2") not in h.answers
    assert h.runs == 2


async def test_a_429_is_transient_never_stored_so_a_retry_runs_again() -> None:
    h = Harness()
    busy = True

    async def maybe_busy(conn: Connection) -> Body:
        h.runs += 1
        if busy:
            raise ProblemError(429, "later", slug="provider-budget", headers={"Retry-After": "3"})
        return Body(name="x")

    with pytest.raises(ProblemError) as refused:
        await h.post("k1").answer(201, Body(name="x"), maybe_busy)
    assert refused.value.headers == {"Retry-After": "3"}  # answered as raised, with its header
    assert ("acme", "k1") not in h.answers
    busy = False
    retried = await h.post("k1").answer(201, Body(name="x"), maybe_busy)

    assert retried.status_code == 201
    assert REPLAYED_HEADER not in retried.headers
    assert h.runs == 2
