"""Billing's facts for the operators' audit (GET /internal/v1/audit/facts): its subscriptions."""

from __future__ import annotations

from typing import Any

from arcadia_platform.runtime import ServiceRuntime

SUBSCRIPTIONS = (
    "SELECT id::text AS id, deployment_id::text AS deployment_id, status FROM subscriptions"
)


async def audit_facts(runtime: ServiceRuntime) -> dict[str, list[dict[str, Any]]]:
    async with runtime.pool.acquire() as conn:
        rows = await conn.fetch(SUBSCRIPTIONS)
    return {"subscriptions": [dict(r) for r in rows]}
