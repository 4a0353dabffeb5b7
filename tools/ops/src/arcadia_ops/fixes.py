"""`arcadia audit fix`: repairs the fixable findings through each owning service's own HTTP path.

Fixable today: `outbox_parked` (the service releases the row; its relay tries it again) and
`subscription_missing` (an active deployment whose billing row is gone: billing subscribes it
again, active at once, on the plan its provisioning saga asked for). Everything else is listed
with the command that shows where to look."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from arcadia_ops.audit import Finding
from arcadia_ops.collect import READ_ONLY
from arcadia_ops.places import Places
from arcadia_ops.services import ServiceError, release_parked, subscribe

PLAN = """
SELECT tenant_id, request->>'plan_code' AS plan_code FROM sagas
WHERE deployment_id = $1::uuid AND kind = 'provision' ORDER BY started_at DESC LIMIT 1
"""


@dataclass(frozen=True)
class FixResult:
    finding: Finding
    applied: bool
    outcome: str


async def _plan(places: Places, deployment_id: str) -> tuple[str, str]:
    conn = await asyncpg.connect(places.databases["api"], server_settings=READ_ONLY)
    try:
        row = await conn.fetchrow(PLAN, deployment_id)
    finally:
        await conn.close()
    if row is None or not row["plan_code"]:
        raise ServiceError(f"no provisioning saga with a plan_code for {deployment_id}")
    return row["tenant_id"], row["plan_code"]


async def _apply(places: Places, finding: Finding) -> str:
    if finding.kind == "outbox_parked":
        service, row = finding.service or "", int(finding.subject or 0)
        await release_parked(places, service, row)
        return f"released {finding.service} outbox row {finding.subject}"
    if finding.kind == "subscription_missing":
        assert finding.deployment_id is not None
        tenant, plan = await _plan(places, finding.deployment_id)
        made = await subscribe(
            places, tenant_id=tenant, deployment_id=finding.deployment_id, plan_code=plan
        )
        return f"billing subscribed it again on {plan}: subscription {made.get('id')}"
    raise ValueError(f"{finding.kind} is not fixable")


async def fix(places: Places, findings: list[Finding], *, yes: bool) -> list[FixResult]:
    """Each fixable finding, applied when `yes` (else what would be done: a dry run)."""
    results = []
    for finding in findings:
        if not finding.fixable:
            continue
        if not yes:
            results.append(FixResult(finding, False, f"would run: {finding.fix}"))
            continue
        try:
            results.append(FixResult(finding, True, await _apply(places, finding)))
        except ServiceError as exc:
            results.append(FixResult(finding, False, f"failed: {exc}"))
    return results
