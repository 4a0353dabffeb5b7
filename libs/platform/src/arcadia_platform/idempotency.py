"""`Idempotency-Key` with Stripe's semantics for any service's POSTs, over a store it supplies.

A keyed request runs in one transaction that first locks (scope, key) for that transaction: a
duplicate arriving while the first is in flight cannot take it and gets a 409. Under the lock, a
stored answer is replayed if the request is the same (method, path, decoded body), or refused
with a 422 if it differs. Otherwise the work runs (in a savepoint) and its answer, a success or a
4xx problem, is stored in the same transaction as its effects: the answer exists exactly when the
effects do. A 5xx rolls everything back, so the client may retry.

The service supplies the store (its table, its lock) and its problem mappers; a controller asks
for an `IdempotentPost` and hands it the request body and the work.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Final, Protocol

import msgspec
from litestar import Response
from litestar.params import Parameter

from arcadia_platform.db import Connection
from arcadia_platform.logs import get_logger
from arcadia_platform.metrics import IDEMPOTENCY_REPLAYS
from arcadia_platform.problems import PROBLEM_JSON, ProblemError, ProblemMapper, answer_for
from arcadia_platform.runtime import ServiceRuntime

log = get_logger(__name__)
JSON: Final = "application/json"
REPLAYED_HEADER: Final = "Idempotent-Replayed"

IdempotencyKey = Annotated[
    str | None,
    Parameter(
        header="Idempotency-Key",
        required=False,
        min_length=1,
        max_length=255,
        pattern=r"^[\x21-\x7e]+$",
        description="Replays the first answer for 24 h when the same request is sent again.",
    ),
]


class IdempotencyKeyInFlightError(ProblemError):
    def __init__(self) -> None:
        super().__init__(
            409,
            "A request with this Idempotency-Key is still being processed; retry later",
            slug="idempotency-key-in-flight",
        )


class IdempotencyKeyReusedError(ProblemError):
    def __init__(self) -> None:
        super().__init__(
            422,
            "This Idempotency-Key was used with a different request",
            slug="idempotency-key-reused",
        )


@dataclass(frozen=True)
class StoredAnswer:
    fingerprint: str
    status_code: int
    media_type: str
    body: Any  # JSON-ready builtins


class IdempotencyStore(Protocol):
    """A service's stored answers, used inside the request's transaction."""

    async def try_lock(self, scope: str, key: str) -> bool:
        """Take the key for this transaction; False while another transaction holds it."""
        ...

    async def find(self, scope: str, key: str) -> StoredAnswer | None:
        """The answer stored for the key within its lifetime."""
        ...

    async def save(self, scope: str, key: str, answer: StoredAnswer) -> None:
        """Store (or, over an expired entry, replace) the key's answer."""
        ...


StoreFactory = Callable[[Connection], IdempotencyStore]


@dataclass(frozen=True)
class Outcome:
    status_code: int
    body: Any  # JSON-ready builtins
    media_type: str = JSON
    replayed: bool = False

    def response(self) -> Response[Any]:
        headers = {REPLAYED_HEADER: "true"} if self.replayed else None
        return Response(
            self.body, status_code=self.status_code, media_type=self.media_type, headers=headers
        )


Work = Callable[[Connection], Awaitable[Outcome]]
# Work whose answer always has the same status: it returns only the body.
BodyWork = Callable[[Connection], Awaitable[msgspec.Struct]]


def outcome(status_code: int, value: msgspec.Struct) -> Outcome:
    """A JSON answer to store and send."""
    return Outcome(status_code, msgspec.to_builtins(value))


def fingerprint(method: str, path: str, payload: msgspec.Struct) -> str:
    digest = hashlib.sha256(f"{method} {path}\n".encode())
    digest.update(msgspec.json.encode(payload))
    return digest.hexdigest()


class Idempotency:
    def __init__(
        self, runtime: ServiceRuntime, store: StoreFactory, mappers: Sequence[ProblemMapper] = ()
    ) -> None:
        self._runtime = runtime
        self._store = store
        # The service's own problem mappers: a refusal is stored as the answer it would get.
        self._mappers = tuple(mappers)

    async def run(
        self,
        *,
        scope: str,
        key: str | None,
        method: str,
        path: str,
        payload: msgspec.Struct,
        work: Work,
    ) -> Outcome:
        """Run `work` in a transaction, once per (scope, key) when a key is given."""
        if key is None:
            async with self._runtime.pool.acquire() as conn, conn.transaction():
                done = await work(conn)
        else:
            request_print = fingerprint(method, path, payload)
            async with self._runtime.pool.acquire() as conn, conn.transaction():
                done = await self._run_keyed(conn, scope, key, request_print, path, work)
        if not done.replayed:
            self._runtime.outbox.notify()
        return done

    @property
    def runtime(self) -> ServiceRuntime:
        return self._runtime

    def store_on(self, conn: Connection) -> IdempotencyStore:
        return self._store(conn)

    def refusal(self, exc: Exception, path: str) -> Outcome | None:
        """The 4xx answer the service gives for `exc` (to store and send); None for a 5xx."""
        refused = answer_for(exc, self._mappers).problem
        if not 400 <= refused.status < 500:
            return None
        refused = msgspec.structs.replace(refused, instance=path)
        return Outcome(refused.status, msgspec.to_builtins(refused), PROBLEM_JSON)

    async def _run_keyed(
        self, conn: Connection, scope: str, key: str, request_print: str, path: str, work: Work
    ) -> Outcome:
        store = self._store(conn)
        if not await store.try_lock(scope, key):
            raise IdempotencyKeyInFlightError()
        stored = await store.find(scope, key)
        if stored is not None:
            if stored.fingerprint != request_print:
                raise IdempotencyKeyReusedError()
            IDEMPOTENCY_REPLAYS.inc()
            log.info("idempotency.replayed", scope=scope, status=stored.status_code)
            return Outcome(stored.status_code, stored.body, stored.media_type, replayed=True)
        try:
            async with conn.transaction():  # a savepoint: a refused request leaves no effects
                done = await work(conn)
        except Exception as exc:
            refused = self.refusal(exc, path)
            # A 429 is transient (try again later): never stored, or the key would replay it.
            if refused is None or refused.status_code == 429:
                raise
            done = refused
        answer = StoredAnswer(request_print, done.status_code, done.media_type, done.body)
        await store.save(scope, key, answer)
        return done


@dataclass(frozen=True)
class IdempotentPost:
    """One POST as its controller sees it: who sent it (scope), its key, method and path."""

    idempotency: Idempotency
    scope: str
    key: str | None
    method: str
    path: str

    async def run(self, payload: msgspec.Struct, work: Work) -> Response[Any]:
        """Run `work` once per (scope, key) and answer with what it decided."""
        done = await self.idempotency.run(
            scope=self.scope,
            key=self.key,
            method=self.method,
            path=self.path,
            payload=payload,
            work=work,
        )
        return done.response()

    async def answer(
        self, status_code: int, payload: msgspec.Struct, work: BodyWork
    ) -> Response[Any]:
        """Run `work` once per (scope, key) and answer `status_code` with the body it returns."""

        async def decided(conn: Connection) -> Outcome:
            return outcome(status_code, await work(conn))

        return await self.run(payload, decided)
