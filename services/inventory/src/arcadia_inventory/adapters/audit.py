"""The inventory's facts for the operators' audit (GET /internal/v1/audit/facts): its resources,
each with whether it has a current link to its deployment."""

from __future__ import annotations

from typing import Any

from arcadia_platform.runtime import ServiceRuntime

RESOURCES = """
SELECT r.id::text AS id, r.deployment_id::text AS deployment_id, r.status, r.provider_id,
       EXISTS (SELECT 1 FROM resource_links l
               WHERE l.resource_id = r.id AND l.deployment_id = r.deployment_id
                 AND l.unlinked_at IS NULL) AS linked
FROM resources r
"""


async def audit_facts(runtime: ServiceRuntime) -> dict[str, list[dict[str, Any]]]:
    async with runtime.pool.acquire() as conn:
        rows = await conn.fetch(RESOURCES)
    return {"resources": [dict(r) for r in rows]}
