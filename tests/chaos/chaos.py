"""Helpers of the chaos tests: start many sagas, wait for them to end through outages, settle,
and audit. Every wait tolerates the database or the broker being away for a while."""

from __future__ import annotations

import asyncio
import collections
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx

from arcadia_ops.invariants import Violation, check
from arcadia_testing.plugin import eventually
from arcadia_testing.stack import TERMINAL, Stack

# What counts as "the world is unreachable right now": try again.
TRANSIENT = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError)


@dataclass
class ChaosReport:
    """What one scenario did and found; printed by every test for the record."""

    scenario: str
    seed: int
    sagas: int = 0
    faults: list[str] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    seconds: float = 0.0

    def line(self) -> str:
        return (
            f"[chaos] {self.scenario} seed={self.seed} sagas={self.sagas} "
            f"faults={self.faults} statuses={self.statuses} "
            f"violations={len(self.violations)} seconds={self.seconds:.1f}"
        )


async def start_sagas(
    stack: Stack, count: int, *, unknown_plan: int = 0, concurrency: int = 32
) -> tuple[list[str], int]:
    """POST `count` provisioning sagas (20 tenants, one slug each): their saga ids, and how many
    POSTs had to be sent again. The first `unknown_plan` ask for a plan billing refuses, so they
    must compensate."""
    slots = asyncio.Semaphore(concurrency)
    resent = 0

    async def one(client: httpx.AsyncClient, i: int) -> str:
        nonlocal resent
        tenant = f"chaos-{i % 20}"
        body = {
            "slug": f"app-{uuid.uuid4().hex[:10]}",
            "provision": True,
            "region": "fra1",
            "size": "s-1vcpu-1gb",
            "plan_code": "no-such-plan" if i < unknown_plan else "studio",
        }
        # A loaded server may drop a keep-alive connection just as a request goes out on it:
        # the POST is sent again with the same Idempotency-Key, so it never starts two sagas.
        headers = stack.auth(tenant) | {"Idempotency-Key": f"chaos-{uuid.uuid4()}"}
        async with slots:
            for attempt in range(1, 6):
                try:
                    response = await client.post(
                        f"{stack.api}/api/v1/deployments", json=body, headers=headers
                    )
                except httpx.TransportError:
                    if attempt == 5:
                        raise
                else:
                    if response.status_code != 409:  # 409: the first try is still in flight
                        break
                resent += 1
                await asyncio.sleep(0.2 * attempt)
        assert response.status_code == 202, response.text
        saga_id: str = response.json()["saga_id"]
        return saga_id

    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=64)) as c:
        ids = list(await asyncio.gather(*(one(c, i) for i in range(count))))
    return ids, resent


async def _query(url: str, sql: str, *args: Any) -> list[asyncpg.Record] | None:
    """The rows, or None while the database cannot be reached (it may be down on purpose)."""
    try:
        conn = await asyncpg.connect(url, timeout=5)
    except TRANSIENT:
        return None
    try:
        return await asyncio.wait_for(conn.fetch(sql, *args), 10)
    except TRANSIENT:
        return None
    finally:
        conn.terminate()


async def open_sagas(stack: Stack, saga_ids: list[str]) -> int | None:
    rows = await _query(
        stack.databases["api"],
        "SELECT count(*) AS n FROM sagas WHERE id = ANY($1::uuid[]) AND finished_at IS NULL",
        saga_ids,
    )
    return None if rows is None else int(rows[0]["n"])


async def wait_sagas_ended(stack: Stack, saga_ids: list[str], *, timeout_s: float) -> None:
    async def ended() -> bool:
        return await open_sagas(stack, saga_ids) == 0

    await eventually(ended, timeout_s=timeout_s, interval_s=0.5)


async def saga_statuses(stack: Stack, saga_ids: list[str]) -> tuple[dict[str, int], list[str]]:
    """How the sagas ended, and why the aborted ones were aborted (step: reason, counted)."""
    rows = await stack.rows(
        "api",
        "SELECT status, failed_step, left(reason, 120) AS reason,"
        " EXTRACT(EPOCH FROM finished_at - started_at) AS took"
        " FROM sagas WHERE id = ANY($1::uuid[])",
        saga_ids,
    )
    aborts = collections.Counter(
        f"{r['failed_step']}: {r['reason']}" for r in rows if r["failed_step"] is not None
    )
    slowest = max((float(r["took"] or 0) for r in rows), default=0.0)
    return dict(collections.Counter(r["status"] for r in rows)), [
        f"slowest saga {slowest:.1f}s",
        *(f"{n}x {why}" for why, n in aborts.most_common()),
    ]


async def settled(stack: Stack) -> bool:
    """Every consumer group caught up, no outbox row unsent, billing done with the activations."""
    try:
        if not await stack.consumers_caught_up():
            return False
    except Exception:  # the broker may still be electing leaders after a restart
        return False
    for service, sql in (
        ("billing", "SELECT 1 FROM subscriptions WHERE status = 'pending'"),
        *((s, "SELECT 1 FROM outbox WHERE sent_at IS NULL LIMIT 1") for s in stack.databases),
    ):
        rows = await _query(stack.databases[service], sql)
        if rows is None or rows:
            return False
    return True


async def settle_and_audit(
    stack: Stack, saga_ids: list[str], report: ChaosReport, *, timeout_s: float
) -> None:
    """Wait for every saga to end and every consumer to catch up, then audit the whole world."""
    await wait_sagas_ended(stack, saga_ids, timeout_s=timeout_s)
    await eventually(lambda: settled(stack), timeout_s=timeout_s, interval_s=0.5)
    report.statuses, report.notes = await saga_statuses(stack, saga_ids)
    report.violations = await check(stack.sources())


def assert_clean(report: ChaosReport, started: float) -> None:
    report.seconds = time.monotonic() - started
    print(report.line())
    for note in report.notes:
        print(f"[chaos]   {note}")
    for violation in report.violations:
        print(f"[chaos]   {violation}")
    assert report.violations == [], "\n".join(map(str, report.violations))
    assert sum(report.statuses.values()) == report.sagas
    assert set(report.statuses) <= TERMINAL - {"compensation_failed"}, report.statuses
