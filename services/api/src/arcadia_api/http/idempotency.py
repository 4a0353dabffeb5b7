"""The gateway's Idempotency-Key: answers stored per tenant, through arcadia_platform.idempotency.

Every POST controller takes an `IdempotentPost` (the `post` dependency) and hands it the body
and the work; the header, the lock, the replay and the stored refusals are all in there.
"""

from __future__ import annotations

from litestar import Request
from litestar.datastructures import State

from arcadia_api.http.idempotency_store import PostgresIdempotencyKeys
from arcadia_api.http.principal import Principal
from arcadia_api.http.problems import gateway_answer
from arcadia_platform.db import Connection
from arcadia_platform.idempotency import Idempotency, IdempotencyKey, IdempotentPost
from arcadia_platform.runtime import ServiceRuntime


def gateway_idempotency(runtime: ServiceRuntime, ttl_s: int) -> Idempotency:
    """Stored answers in the api's `idempotency_keys`; refusals as the gateway answers them."""

    def store(conn: Connection) -> PostgresIdempotencyKeys:
        return PostgresIdempotencyKeys(conn, ttl_s)

    return Idempotency(runtime, store, mappers=[gateway_answer])


def provide_post(
    request: Request[Principal, str, State],
    idempotency: Idempotency,
    principal: Principal,
    idempotency_key: IdempotencyKey = None,
) -> IdempotentPost:
    """The `post` dependency: this POST, keyed within the caller's tenant."""
    return IdempotentPost(
        idempotency,
        scope=principal.tenant_id,
        key=idempotency_key,
        method=request.method,
        path=request.url.path,
    )
