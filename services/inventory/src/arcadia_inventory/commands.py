"""Drift's HTTP use cases: ask for a scan, fix one finding (a dry run unless confirmed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final
from uuid import UUID

import asyncpg

from arcadia_contracts import envelope, topics
from arcadia_contracts.events.inventory import InventoryCorrected
from arcadia_inventory.adapters.cloud import Cloud
from arcadia_inventory.adapters.dns_records import DnsRecordStore
from arcadia_inventory.adapters.drift_store import DriftStore, Scan, StoredFinding
from arcadia_inventory.adapters.publisher import PRODUCER
from arcadia_inventory.domain import DNS_RECORD, monthly_cost_cents
from arcadia_inventory.findings import FindingKind, fix_action
from arcadia_inventory.handlers.corrections import RELEASE, TAKE_PROVIDER_VALUE, apply_correction
from arcadia_inventory.scanner import NO_TENANT
from arcadia_platform.logs import get_logger
from arcadia_platform.outbox import Outbox
from arcadia_platform.problems import ProblemError

log = get_logger(__name__)
GHOST_REASON: Final = "drift fix: the provider no longer has it"


@dataclass(frozen=True, kw_only=True)
class FixOutcome:
    finding: StoredFinding
    action: str
    applied: bool
    # A ghost's deployment (and tenant): what operators must look at once it is released.
    deployment_id: UUID | None
    tenant_id: str | None


async def request_scan(pool: asyncpg.Pool) -> Scan:
    async with pool.acquire() as conn:
        return await DriftStore(conn).request_scan("operator")


async def fix_finding(
    pool: asyncpg.Pool,
    cloud: Cloud,
    finding_id: UUID,
    *,
    confirm: bool,
    prices: dict[str, int],
    outbox: Outbox,
) -> FixOutcome:
    async with pool.acquire() as conn:
        finding = await DriftStore(conn).get(finding_id)
    if finding is None:
        raise ProblemError(404, "No such drift finding", slug="finding-not-found")
    if finding.status != "open":
        raise ProblemError(409, "The finding is closed already", slug="finding-closed")
    action = fix_action(finding.kind, finding.subject_kind, finding.field)
    if action is None:
        raise ProblemError(
            422,
            f"A {finding.kind} of {finding.subject_kind} field {finding.field} cannot be fixed"
            " from here: look at the provider",
            slug="finding-not-fixable",
        )
    outcome = FixOutcome(
        finding=finding,
        action=action,
        applied=False,
        deployment_id=finding.deployment_id,
        tenant_id=finding.tenant_id,
    )
    if not confirm:
        return outcome
    await _apply(pool, cloud, finding, prices, outbox)
    async with pool.acquire() as conn:
        refreshed = await DriftStore(conn).get(finding_id)
    log.warning("drift.fixed", finding_id=str(finding_id), action=action)
    assert refreshed is not None
    return FixOutcome(
        finding=refreshed,
        action=action,
        applied=True,
        deployment_id=finding.deployment_id,
        tenant_id=finding.tenant_id,
    )


async def _apply(
    pool: asyncpg.Pool,
    cloud: Cloud,
    finding: StoredFinding,
    prices: dict[str, int],
    outbox: Outbox,
) -> None:
    """The provider is changed first (outside any transaction), then the inventory."""
    if finding.kind == FindingKind.ORPHAN:
        await cloud.destroy_droplet(finding.subject)
        reason = "fixed: droplet destroyed"
    elif finding.kind == FindingKind.MISMATCH and finding.subject_kind == DNS_RECORD:
        assert finding.expected is not None
        assert finding.resource_id is not None
        async with pool.acquire() as conn:
            domain = await DnsRecordStore(conn).domain_of(finding.resource_id)
        await cloud.repair_record(domain or cloud.domain, finding.subject, finding.expected)
        reason = "fixed: record repaired"
    else:
        reason = "fixed: inventory updated"
    async with pool.acquire() as conn, conn.transaction():
        store = DriftStore(conn)
        locked = await store.get(finding.id, lock=True)
        if locked is None or locked.status != "open":
            return  # fixed or closed by someone else meanwhile
        correction: InventoryCorrected | None = None
        if finding.kind == FindingKind.GHOST:
            correction = _release_ghost(finding)
            reason = "fixed: released in the inventory"
        elif finding.kind == FindingKind.MISMATCH and finding.subject_kind != DNS_RECORD:
            correction = _take_provider_value(finding, prices)
        if correction is not None:
            # Every change a fix makes to the inventory is announced (and so rebuildable), with
            # one time for the change and its event, taken once the row is locked: a handler
            # changing it meanwhile has committed, so its inbox time is earlier (rebuild order).
            table = "dns_records" if finding.subject_kind == DNS_RECORD else "resources"
            await conn.execute(
                f"SELECT 1 FROM {table} WHERE id = $1 FOR UPDATE", UUID(correction.row_id)
            )
            at: datetime = await conn.fetchval("SELECT clock_timestamp()")
            await apply_correction(conn, correction, at)
            await outbox.add(
                conn,
                topics.INVENTORY,
                envelope(
                    correction,
                    producer=PRODUCER,
                    tenant_id=finding.tenant_id or NO_TENANT,
                    deployment_id=finding.deployment_id,
                    occurred_at=at,
                ),
            )
        await store.close(finding.id, reason)


def _release_ghost(finding: StoredFinding) -> InventoryCorrected:
    assert finding.resource_id is not None
    return InventoryCorrected(
        finding_id=str(finding.id),
        action=RELEASE,
        subject_kind=finding.subject_kind,
        row_id=str(finding.resource_id),
        reason=GHOST_REASON,
    )


def _take_provider_value(finding: StoredFinding, prices: dict[str, int]) -> InventoryCorrected:
    assert finding.resource_id is not None
    assert finding.field is not None
    cost = monthly_cost_cents(finding.actual or "", prices) if finding.field == "size" else None
    return InventoryCorrected(
        finding_id=str(finding.id),
        action=TAKE_PROVIDER_VALUE,
        subject_kind=finding.subject_kind,
        row_id=str(finding.resource_id),
        reason="drift fix: the provider's value",
        field=finding.field,
        value=finding.actual,
        monthly_cost_cents=cost,
    )
