"""Stored answers to Idempotency-Key requests, and the lock that marks a key as in flight."""

from __future__ import annotations

from arcadia_platform.db import Connection
from arcadia_platform.idempotency import StoredAnswer


class PostgresIdempotencyKeys:
    """The IdempotencyStore of the gateway: one row per (tenant, key), for `ttl_s` seconds."""

    def __init__(self, conn: Connection, ttl_s: int) -> None:
        self._conn = conn
        self._ttl_s = ttl_s

    async def try_lock(self, tenant_id: str, key: str) -> bool:
        """Take the key for this transaction; False while another transaction holds it."""
        locked = await self._conn.fetchval(
            "SELECT pg_try_advisory_xact_lock(hashtextextended($1 || chr(31) || $2, 0))",
            tenant_id,
            key,
        )
        return bool(locked)

    async def find(self, tenant_id: str, key: str) -> StoredAnswer | None:
        """The answer stored for the key within its lifetime; an expired one counts as absent."""
        row = await self._conn.fetchrow(
            "SELECT fingerprint, status_code, media_type, body FROM idempotency_keys"
            " WHERE tenant_id = $1 AND key = $2"
            " AND created_at > clock_timestamp() - make_interval(secs => $3)",
            tenant_id,
            key,
            float(self._ttl_s),
        )
        if row is None:
            return None
        return StoredAnswer(row["fingerprint"], row["status_code"], row["media_type"], row["body"])

    async def save(self, tenant_id: str, key: str, answer: StoredAnswer) -> None:
        """Store (or, over an expired entry, replace) the key's answer; purge expired ones."""
        await self._conn.execute(
            "DELETE FROM idempotency_keys WHERE tenant_id = $1"
            " AND created_at <= clock_timestamp() - make_interval(secs => $2)",
            tenant_id,
            float(self._ttl_s),
        )
        await self._conn.execute(
            "INSERT INTO idempotency_keys (tenant_id, key, fingerprint, status_code, media_type,"
            " body) VALUES ($1, $2, $3, $4, $5, $6)"
            " ON CONFLICT (tenant_id, key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint,"
            " status_code = EXCLUDED.status_code, media_type = EXCLUDED.media_type,"
            " body = EXCLUDED.body, created_at = EXCLUDED.created_at",
            tenant_id,
            key,
            answer.fingerprint,
            answer.status_code,
            answer.media_type,
            answer.body,
        )
