"""Drift scans: on a schedule and on request, one at a time across instances; never deletes.

A scan reads the provider first (every page of droplets and of the domain's records), then the
inventory as it stood when the scan began, and in one transaction opens the new findings (each
published as `DriftDetected` through the outbox), sees the known ones again (`last_seen`) and
closes those no longer found.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime, timedelta
from typing import Final
from uuid import UUID

import asyncpg

from arcadia_contracts import envelope, topics
from arcadia_contracts.events.inventory import DriftDetected
from arcadia_inventory.adapters.cloud import Cloud
from arcadia_inventory.adapters.drift_inputs import held_before
from arcadia_inventory.adapters.drift_store import DriftStore
from arcadia_inventory.adapters.publisher import PRODUCER
from arcadia_inventory.config import InventorySettings
from arcadia_inventory.drift import detect_drift
from arcadia_inventory.findings import Finding, droplet_findings, record_findings
from arcadia_platform.db import Connection, holds_session_state
from arcadia_platform.logs import get_logger
from arcadia_platform.outbox import Outbox

log = get_logger(__name__)
# One scan at a time across instances: a session advisory lock while scans run.
SCAN_LOCK: Final = 0x1D21F7
# The tenant named on an orphan's DriftDetected: nobody's, the platform's operators'.
NO_TENANT: Final = "platform"
# How often the loop looks for a due scheduled scan when nothing wakes it.
TICK_S: Final = 30.0


class DriftScanner:
    def __init__(
        self, pool: asyncpg.Pool, outbox: Outbox, cloud: Cloud, settings: InventorySettings
    ) -> None:
        self._pool = pool
        self._outbox = outbox
        self._cloud = cloud
        self._settings = settings
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        """The background loop: requested scans at once, a scheduled one every interval."""
        interval = self._settings.drift_scan_interval_s
        if interval:
            # The first scheduled scan comes an interval after start, not at once.
            async with self._pool.acquire() as conn:
                await conn.execute(
                    "INSERT INTO drift_scans (id, trigger, status, requested_at, finished_at)"
                    " SELECT gen_random_uuid(), 'schedule', 'done', clock_timestamp(),"
                    " clock_timestamp() WHERE NOT EXISTS (SELECT 1 FROM drift_scans)"
                )
        while True:
            try:
                if interval:
                    async with self._pool.acquire() as conn, conn.transaction():
                        await DriftStore(conn).schedule_due(interval)
            except (OSError, asyncpg.PostgresError) as exc:
                log.warning("drift.schedule_failed", error=repr(exc))
            try:
                await self.drain()
            except (OSError, asyncpg.PostgresError) as exc:
                log.warning("drift.drain_failed", error=repr(exc))
            tick = min(TICK_S, interval) if interval else TICK_S
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=tick)
            self._wake.clear()

    async def drain(self) -> None:
        """Run every requested scan, if no other instance is scanning."""
        async with self._pool.acquire() as lock:
            holds_session_state(lock)
            if not await lock.fetchval("SELECT pg_try_advisory_lock($1)", SCAN_LOCK):
                return
            try:
                while True:
                    async with self._pool.acquire() as conn:
                        scan_id = await DriftStore(conn).claim_scan()
                    if scan_id is None:
                        return
                    await self.scan(scan_id)
            finally:
                await lock.execute("SELECT pg_advisory_unlock($1)", SCAN_LOCK)

    async def scan(self, scan_id: UUID) -> None:
        """Run one claimed scan; any failure (the provider's, a bug) fails the scan, not the loop,
        and leaves the findings as they were (its transaction is rolled back)."""
        try:
            await self._scan(scan_id)
        except Exception as exc:
            log.warning("drift.scan_failed", scan_id=str(scan_id), error=repr(exc))
            async with self._pool.acquire() as conn:
                await DriftStore(conn).fail_scan(scan_id, f"{type(exc).__name__}: {exc}")

    async def _scan(self, scan_id: UUID) -> None:
        # The database's clock, the one registrations are stamped with.
        async with self._pool.acquire() as conn:
            started: datetime = await conn.fetchval("SELECT clock_timestamp()")
        droplets = await self._cloud.droplets()
        records = await self._cloud.records()
        grace = timedelta(seconds=self._settings.drift_grace_s)
        async with self._pool.acquire() as conn, conn.transaction():
            held = await held_before(conn, started, grace)
            report = detect_drift(held.droplets, droplets, held.released)
            findings = droplet_findings(
                report, now=started, grace=grace, recently_released=held.recently_released
            )
            findings += record_findings(held.records, records)
            fixed = await DriftStore(conn).fixed_since(started)
            findings = [f for f in findings if f.key not in fixed]
            opened = await self._record(conn, findings, started)
            store = DriftStore(conn)
            closed = await store.close_gone([f.key for f in findings], started)
            await store.finish_scan(
                scan_id,
                droplets_seen=len(droplets),
                records_seen=len(records),
                found=len(findings),
                opened=opened,
                closed=closed,
            )
        if opened:
            self._outbox.notify()
        log.info(
            "drift.scanned", scan_id=str(scan_id), found=len(findings), opened=opened, closed=closed
        )

    async def _record(self, conn: Connection, findings: list[Finding], seen: datetime) -> int:
        store = DriftStore(conn)
        opened = 0
        for finding in findings:
            finding_id, new = await store.record(finding, seen)
            if not new:
                continue
            opened += 1
            detected = DriftDetected(
                finding_id=str(finding_id),
                kind=str(finding.kind),
                subject_kind=finding.subject_kind,
                subject=finding.subject,
                field=finding.field,
                expected=finding.expected,
                actual=finding.actual,
                resource_id=None if finding.resource_id is None else str(finding.resource_id),
            )
            await self._outbox.add(
                conn,
                topics.INVENTORY,
                envelope(
                    detected,
                    producer=PRODUCER,
                    tenant_id=finding.tenant_id or NO_TENANT,
                    deployment_id=finding.deployment_id,
                ),
            )
            log.warning("drift.detected", key=finding.key, finding_id=str(finding_id))
        return opened
