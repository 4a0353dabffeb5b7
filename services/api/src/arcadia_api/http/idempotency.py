"""`Idempotency-Key` with Stripe's semantics, for every POST.

A keyed request runs in one transaction that first takes a transaction-scoped advisory lock on
(tenant, key): a duplicate arriving while the first is in flight cannot take it and gets a 409.
Under the lock, a stored answer is replayed if the request is the same (method, path, decoded
body), or refused with a 422 if it differs. Otherwise the work runs (in a savepoint) and its
answer, a success or a 4xx problem, is stored in the same transaction as its effects: the answer
exists exactly when the effects do. A 5xx rolls everything back, so the client may retry.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, Final

import msgspec
from litestar import Request, Response
from litestar.datastructures import State
from litestar.params import Parameter

from arcadia_api.http.idempotency_store import PostgresIdempotencyKeys, StoredAnswer
from arcadia_api.http.principal import Principal
from arcadia_api.http.problems import gateway_problem
from arcadia_platform.db import Connection
from arcadia_platform.logs import get_logger
from arcadia_platform.problems import PROBLEM_JSON, ProblemError
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


def outcome(status_code: int, value: msgspec.Struct) -> Outcome:
    """A JSON answer to store and send."""
    return Outcome(status_code, msgspec.to_builtins(value))


def fingerprint(method: str, path: str, payload: msgspec.Struct) -> str:
    digest = hashlib.sha256(f"{method} {path}\n".encode())
    digest.update(msgspec.json.encode(payload))
    return digest.hexdigest()


class Idempotency:
    def __init__(self, runtime: ServiceRuntime, ttl_s: int) -> None:
        self._runtime = runtime
        self._ttl_s = ttl_s

    async def run(
        self,
        *,
        tenant_id: str,
        key: str | None,
        method: str,
        path: str,
        payload: msgspec.Struct,
        work: Work,
    ) -> Outcome:
        """Run `work` in a transaction, once per (tenant, key) when a key is given."""
        if key is None:
            async with self._runtime.pool.acquire() as conn, conn.transaction():
                outcome = await work(conn)
        else:
            request_print = fingerprint(method, path, payload)
            async with self._runtime.pool.acquire() as conn, conn.transaction():
                outcome = await self._run_keyed(conn, tenant_id, key, request_print, path, work)
        if not outcome.replayed:
            self._runtime.outbox.notify()
        return outcome

    async def _run_keyed(
        self, conn: Connection, tenant_id: str, key: str, request_print: str, path: str, work: Work
    ) -> Outcome:
        keys = PostgresIdempotencyKeys(conn, self._ttl_s)
        if not await keys.try_lock(tenant_id, key):
            raise IdempotencyKeyInFlightError()
        stored = await keys.find(tenant_id, key)
        if stored is not None:
            if stored.fingerprint != request_print:
                raise IdempotencyKeyReusedError()
            log.info("idempotency.replayed", tenant_id=tenant_id, status=stored.status_code)
            return Outcome(stored.status_code, stored.body, stored.media_type, replayed=True)
        try:
            async with conn.transaction():  # a savepoint: a refused request leaves no effects
                outcome = await work(conn)
        except Exception as exc:
            problem, _ = gateway_problem(exc)
            if not 400 <= problem.status < 500:
                raise
            problem = msgspec.structs.replace(problem, instance=path)
            outcome = Outcome(problem.status, msgspec.to_builtins(problem), PROBLEM_JSON)
        await keys.save(
            tenant_id,
            key,
            StoredAnswer(request_print, outcome.status_code, outcome.media_type, outcome.body),
        )
        return outcome


async def respond(
    request: Request[Principal, str, State],
    idempotency: Idempotency,
    principal: Principal,
    key: str | None,
    data: msgspec.Struct,
    work: Work,
) -> Response[Any]:
    """Run a POST's `work` once per (caller's tenant, Idempotency-Key) and answer it."""
    answer = await idempotency.run(
        tenant_id=principal.tenant_id,
        key=key,
        method=request.method,
        path=request.url.path,
        payload=data,
        work=work,
    )
    return answer.response()
