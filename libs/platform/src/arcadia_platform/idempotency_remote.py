"""POSTs whose work is another service's HTTP call: no transaction, row lock or pooled connection
is held while the call is out, so a slow upstream cannot pin the pool that consumers, relays and
timers share.

1. A short transaction checks the request against the service's own state (`check`: e.g. the
   deployment is the caller's and still open). With an Idempotency-Key it also takes the key:
   a stored answer is replayed (or a different request refused) as `Idempotency.run` does, and
   otherwise a pending marker is stored. Commit; the connection goes back to the pool.
2. The call (`call`), holding nothing.
3. With a key, a second short transaction stores the answer (a success or a 4xx problem) over
   the marker. Anything else (a 5xx, the upstream out of reach) lets the marker go, so the
   client may retry.

A marker is a stored answer with status 0 and `pending_until` (epoch seconds). A duplicate that
arrives before then is a 409 `idempotency-key-in-flight`; one that arrives after it (the first
process died mid-call) takes the key over.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any, Final, TypeVar

import msgspec
from litestar import Response

from arcadia_platform.db import Connection
from arcadia_platform.idempotency import (
    JSON,
    IdempotencyKeyInFlightError,
    IdempotencyKeyReusedError,
    IdempotentPost,
    Outcome,
    StoredAnswer,
    fingerprint,
    outcome,
)
from arcadia_platform.logs import get_logger

log = get_logger(__name__)
PENDING: Final = 0
S = TypeVar("S")


def marker(request_print: str, until: float) -> StoredAnswer:
    return StoredAnswer(request_print, PENDING, JSON, {"pending_until": until})


def in_flight(stored: StoredAnswer, now: float) -> bool:
    """A pending marker whose lease has not run out."""
    if stored.status_code != PENDING:
        return False
    until = stored.body.get("pending_until", 0) if isinstance(stored.body, dict) else 0
    return bool(until > now)


async def answer_remote(
    post: IdempotentPost,
    status_code: int,
    payload: msgspec.Struct,
    check: Callable[[Connection], Awaitable[S]],
    call: Callable[[S], Awaitable[msgspec.Struct]],
    *,
    lease_s: float,
) -> Response[Any]:
    """Answer `status_code` with what `call(check(conn))` returns; see the module's doc."""
    pool = post.idempotency.runtime.pool
    if post.key is None:
        async with pool.acquire() as conn:
            subject = await check(conn)
        return outcome(status_code, await call(subject)).response()
    request_print = fingerprint(post.method, post.path, payload)
    taken = await _take(post, request_print, check, lease_s)
    if isinstance(taken, Outcome):
        return taken.response()
    try:
        done = outcome(status_code, await call(taken))
    except Exception as exc:
        refused = post.idempotency.refusal(exc, post.path)
        if refused is None:
            await _store(post, marker(request_print, 0))  # let the key go: a retry may run
            raise
        done = refused
    await _store(post, StoredAnswer(request_print, done.status_code, done.media_type, done.body))
    return done.response()


async def _take(
    post: IdempotentPost,
    request_print: str,
    check: Callable[[Connection], Awaitable[S]],
    lease_s: float,
) -> S | Outcome:
    """The checked subject with the key marked in flight, or the answer to give at once."""
    assert post.key is not None
    idempotency = post.idempotency
    async with idempotency.runtime.pool.acquire() as conn, conn.transaction():
        store = idempotency.store_on(conn)
        if not await store.try_lock(post.scope, post.key):
            raise IdempotencyKeyInFlightError()
        stored = await store.find(post.scope, post.key)
        now = time.time()
        if stored is not None and in_flight(stored, now):
            raise IdempotencyKeyInFlightError()
        if stored is not None and stored.status_code != PENDING:
            if stored.fingerprint != request_print:
                raise IdempotencyKeyReusedError()
            log.info("idempotency.replayed", scope=post.scope, status=stored.status_code)
            return Outcome(stored.status_code, stored.body, stored.media_type, replayed=True)
        try:
            async with conn.transaction():  # a savepoint: a refused check leaves no effects
                subject = await check(conn)
        except Exception as exc:
            refused = idempotency.refusal(exc, post.path)
            if refused is None:
                raise
            answer = StoredAnswer(
                request_print, refused.status_code, refused.media_type, refused.body
            )
            await store.save(post.scope, post.key, answer)
            return refused
        await store.save(post.scope, post.key, marker(request_print, now + lease_s))
        return subject


async def _store(post: IdempotentPost, answer: StoredAnswer) -> None:
    assert post.key is not None
    async with post.idempotency.runtime.pool.acquire() as conn, conn.transaction():
        await post.idempotency.store_on(conn).save(post.scope, post.key, answer)
