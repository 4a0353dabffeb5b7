"""The durable job worker: calls the cloud provider for each saga step and records the outcome.

A job runs under a session advisory lock on its saga (released at once if the process dies), so
one saga's jobs never overlap and a restarted worker picks up where the dead one stopped. The
provider call happens outside any transaction; its outcome and the events announcing it are
written in one transaction afterwards. A crash between the two repeats the call, which is safe:
creation looks the droplet up by its saga tag first, DNS looks the record up by name.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import asyncpg

from arcadia_contracts import Envelope, Event, envelope, topics
from arcadia_contracts.events.deployments import CompensationFailed, ProvisioningAborted
from arcadia_contracts.events.provisioner import (
    DnsPointed,
    DnsReverted,
    DropletActive,
    DropletCreated,
    DropletDestroyed,
)
from arcadia_platform.backoff import Backoff
from arcadia_platform.db import Connection
from arcadia_platform.digitalocean.errors import (
    DropletFailedError,
    ProviderError,
    ProviderRejectedError,
)
from arcadia_platform.faults import CrashPoints
from arcadia_platform.logs import get_logger
from arcadia_platform.outbox import Outbox
from arcadia_provisioner.adapters import repository as repo
from arcadia_provisioner.config import ProvisionerSettings
from arcadia_provisioner.domain import (
    DNS_TTL_S,
    DROPLET_IMAGE,
    STEP_OF_JOB,
    JobKind,
    dns_name,
    droplet_name,
    droplet_tags,
    saga_tag,
)
from arcadia_provisioner.ports import CloudProvider

log = get_logger(__name__)
PRODUCER = "provisioner"


class RetryLaterError(Exception):
    """The step is not finished yet (e.g. the droplet is still booting): run the job again."""


def saga_lock_key(saga_id: UUID) -> int:
    return int.from_bytes(
        hashlib.blake2b(saga_id.bytes, digest_size=8).digest(), "big", signed=True
    )


class JobWorker:
    def __init__(
        self,
        pool: asyncpg.Pool,
        outbox: Outbox,
        cloud: CloudProvider,
        settings: ProvisionerSettings,
        crash_points: CrashPoints,
    ) -> None:
        self._pool = pool
        self._outbox = outbox
        self._cloud = cloud
        self._settings = settings
        self._crash = crash_points
        self._wakeup = asyncio.Event()
        self._running: dict[UUID, asyncio.Task[None]] = {}
        self._backoff = Backoff(settings.job_backoff_base_s, settings.job_backoff_max_s)
        self._executors: dict[str, Callable[[Connection, Any, Any], Awaitable[str]]] = {
            JobKind.CREATE_DROPLET: self._create_droplet,
            JobKind.WAIT_DROPLET: self._wait_droplet,
            JobKind.POINT_DNS: self._point_dns,
            JobKind.COMPENSATE: self._compensate,
            JobKind.TEARDOWN: self._teardown,
        }

    def wake(self) -> None:
        self._wakeup.set()

    async def run(self) -> None:
        try:
            while True:
                self._wakeup.clear()
                await self._start_due_jobs()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wakeup.wait(), self._settings.job_poll_interval_s)
        finally:
            for task in self._running.values():
                task.cancel()

    async def _start_due_jobs(self) -> None:
        free = self._settings.job_concurrency - len(self._running)
        if free <= 0:
            return
        async with self._pool.acquire() as conn:
            due = await repo.due_jobs(conn, free, list(self._running))
        for job in due:
            saga_id: UUID = job["saga_id"]
            if saga_id in self._running:
                continue
            task = asyncio.create_task(self._run_job(job["id"], saga_id))
            self._running[saga_id] = task
            task.add_done_callback(functools.partial(self._job_done, saga_id))

    def _job_done(self, saga_id: UUID, _: asyncio.Task[None]) -> None:
        self._running.pop(saga_id, None)
        self._wakeup.set()  # a finished job often made the next one due

    async def _run_job(self, job_id: int, saga_id: UUID) -> None:
        key = saga_lock_key(saga_id)
        try:
            async with self._pool.acquire() as conn:
                if not await conn.fetchval("SELECT pg_try_advisory_lock($1)", key):
                    return  # another worker holds this saga
                try:
                    # Holding the saga's lock, run what the job made due at once (e.g. the wait
                    # after a create) instead of handing it back to the dispatcher.
                    next_job: int | None = job_id
                    while next_job is not None:
                        await self._execute(conn, next_job)
                        next_job = await repo.due_job_of(conn, saga_id)
                finally:
                    await conn.execute("SELECT pg_advisory_unlock($1)", key)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the database or a bug: the job stays due and runs again
            log.error("job.crashed", job_id=job_id, error=repr(exc), exc_info=True)
            await asyncio.sleep(self._backoff.max_s)

    async def _execute(self, conn: Connection, job_id: int) -> None:
        job = await repo.claim(conn, job_id)
        if job is None:
            return
        kind = JobKind(job["kind"])
        subject = await self._subject(conn, kind, job["saga_id"])
        try:
            outcome = await self._executors[kind](conn, job, subject)
        except RetryLaterError as exc:
            await self._retry_or_give_up(conn, job, kind, subject, str(exc))
            return
        except ProviderRejectedError as exc:
            await self._give_up(conn, job, kind, subject, str(exc))
            return
        except DropletFailedError as exc:
            await self._give_up(conn, job, kind, subject, str(exc))
            return
        except ProviderError as exc:
            await self._retry_or_give_up(conn, job, kind, subject, str(exc))
            return
        log.info("job.done", kind=kind.value, saga_id=str(job["saga_id"]), outcome=outcome)

    async def _subject(self, conn: Connection, kind: JobKind, saga_id: UUID) -> Any:
        if kind is JobKind.TEARDOWN:
            return await conn.fetchrow("SELECT * FROM teardowns WHERE saga_id = $1", saga_id)
        return await repo.get_provisioning(conn, saga_id)

    async def _retry_or_give_up(
        self, conn: Connection, job: Any, kind: JobKind, subject: Any, error: str
    ) -> None:
        undoing = kind in (JobKind.COMPENSATE, JobKind.TEARDOWN)
        out_of_attempts = undoing and job["attempts"] >= self._settings.compensation_max_attempts
        if job["expired"] or out_of_attempts:
            await self._give_up(conn, job, kind, subject, error)
            return
        await repo.retry_later(conn, job["id"], self._backoff.delay(job["attempts"] - 1), error)

    async def _give_up(
        self, conn: Connection, job: Any, kind: JobKind, subject: Any, error: str
    ) -> None:
        """A forward step fails the saga; an undo that cannot finish is for operators."""
        log.warning("job.gave_up", kind=kind.value, saga_id=str(job["saga_id"]), error=error)
        async with conn.transaction():
            if kind in (JobKind.COMPENSATE, JobKind.TEARDOWN):
                await self._publish(
                    conn, subject, CompensationFailed(step=kind.value, reason=error)
                )
            else:
                await self._abort(conn, subject, STEP_OF_JOB[kind], error)
            await repo.finish(conn, job["id"], f"failed: {error[:200]}")
        self._outbox.notify()

    async def _abort(self, conn: Connection, row: Any, step: str, reason: str) -> None:
        """Announce ProvisioningAborted and schedule our own compensation, in one transaction."""
        await conn.execute(
            "UPDATE provisionings SET aborted_at = COALESCE(aborted_at, now()),"
            " abort_reason = COALESCE(abort_reason, $2) WHERE saga_id = $1",
            row["saga_id"],
            f"{step}: {reason}",
        )
        await self._publish(conn, row, ProvisioningAborted(failed_step=step, reason=reason))
        await repo.schedule(conn, row["saga_id"], JobKind.COMPENSATE)

    async def _publish(self, conn: Connection, row: Any, *payloads: Event) -> None:
        events: list[Envelope] = [
            envelope(
                payload,
                producer=PRODUCER,
                tenant_id=row["tenant_id"],
                deployment_id=row["deployment_id"],
                saga_id=row["saga_id"],
            )
            for payload in payloads
        ]
        await self._outbox.add(conn, topics.PROVISIONER, *events)

    # ------------------------------------------------------------------ forward steps

    async def _create_droplet(self, conn: Connection, job: Any, row: Any) -> str:
        if row["aborted_at"] is not None:
            await repo.finish(conn, job["id"], "skipped: saga aborted")
            return "skipped"
        droplet = await self._cloud.ensure_droplet(
            name=droplet_name(row["saga_id"], row["slug"]),
            region=row["region"],
            size=row["size"],
            image=DROPLET_IMAGE,
            tags=droplet_tags(row["saga_id"], row["deployment_id"]),
            tag=saga_tag(row["saga_id"]),
            # A first attempt cannot have created it; any later one (after a crash, a timeout,
            # a 5xx) looks it up by its saga tag before creating.
            look_first=job["attempts"] > 1,
        )
        self._crash.hit("provisioner.after_provider_call")
        async with conn.transaction():
            await repo.update_provisioning(conn, row["saga_id"], droplet_id=droplet.id)
            await self._publish(
                conn,
                row,
                DropletCreated(
                    droplet_id=droplet.id, name=droplet.name, region=row["region"], size=row["size"]
                ),
            )
            await repo.schedule(
                conn,
                row["saga_id"],
                JobKind.WAIT_DROPLET,
                deadline_s=self._settings.droplet_active_timeout_s,
            )
            await repo.finish(conn, job["id"], f"droplet {droplet.id}")
        self._outbox.notify()
        self.wake()
        return f"droplet {droplet.id}"

    async def _wait_droplet(self, conn: Connection, job: Any, row: Any) -> str:
        if row["aborted_at"] is not None:
            await repo.finish(conn, job["id"], "skipped: saga aborted")
            return "skipped"
        droplet = await self._cloud.get_droplet(row["droplet_id"])
        if droplet.status == "errored":
            raise DropletFailedError(droplet.id, droplet.status)
        if not droplet.is_active or droplet.ip is None:
            raise RetryLaterError(f"droplet {droplet.id} is {droplet.status}")
        async with conn.transaction():
            current = await repo.update_provisioning(
                conn, row["saga_id"], droplet_active=True, ip_address=droplet.ip
            )
            await self._publish(
                conn,
                row,
                DropletActive(
                    droplet_id=droplet.id,
                    ip_address=droplet.ip,
                    region=row["region"],
                    size=row["size"],
                ),
            )
            if current["linked"]:  # inventory's link arrived before the droplet was seen active
                await repo.schedule(
                    conn,
                    row["saga_id"],
                    JobKind.POINT_DNS,
                    deadline_s=self._settings.step_timeout_s,
                )
            await repo.finish(conn, job["id"], f"active {droplet.ip}")
        self._outbox.notify()
        return f"active {droplet.ip}"

    async def _point_dns(self, conn: Connection, job: Any, row: Any) -> str:
        if row["aborted_at"] is not None:
            await repo.finish(conn, job["id"], "skipped: saga aborted")
            return "skipped"
        domain = self._settings.base_domain
        name = dns_name(row["slug"], row["tenant_id"])
        existing = [r for r in await self._cloud.list_records(domain, name) if r.type == "A"]
        if not row["dns_prepared"]:
            # Remember what was there before us, durably, before changing anything.
            ours = [r for r in existing if r.data == row["ip_address"]]
            previous = next((r for r in existing if r not in ours), None)
            row = await repo.update_provisioning(
                conn,
                row["saga_id"],
                dns_prepared=True,
                dns_fqdn=f"{name}.{domain}",
                dns_previous={"id": previous.id, "data": previous.data} if previous else None,
            )
        target = existing[0] if existing else None
        if target is None:
            record = await self._cloud.create_record(
                domain, type="A", name=name, data=row["ip_address"], ttl=DNS_TTL_S
            )
        elif target.data != row["ip_address"]:
            record = await self._cloud.update_record(
                domain, target.id, type="A", name=name, data=row["ip_address"], ttl=DNS_TTL_S
            )
        else:
            record = target
        self._crash.hit("provisioner.after_provider_call")
        async with conn.transaction():
            await repo.update_provisioning(
                conn, row["saga_id"], dns_record_id=record.id, dns_pointed=True
            )
            await self._publish(
                conn,
                row,
                DnsPointed(record_id=record.id, fqdn=f"{name}.{domain}", ip_address=record.data),
            )
            await repo.finish(conn, job["id"], f"record {record.id}")
        self._outbox.notify()
        return f"record {record.id}"

    # ------------------------------------------------------------------ undo

    async def _compensate(self, conn: Connection, job: Any, row: Any) -> str:
        """Destroy every droplet tagged with the saga and put DNS back; report both, once."""
        destroyed = await self._destroy_droplets(row["saga_id"])
        reverted = await self._revert_dns(row)
        async with conn.transaction():
            await repo.update_provisioning(conn, row["saga_id"], undone_at=datetime.now(UTC))
            await self._publish(
                conn,
                row,
                DropletDestroyed(droplet_id=destroyed or row["droplet_id"]),
                DnsReverted(record_id=reverted, fqdn=row["dns_fqdn"] or ""),
            )
            await repo.finish(conn, job["id"], "compensated")
        self._outbox.notify()
        return "compensated"

    async def _teardown(self, conn: Connection, job: Any, teardown: Any) -> str:
        provisioning = None
        if teardown["provisioning_saga"] is not None:
            provisioning = await repo.get_provisioning(conn, teardown["provisioning_saga"])
        destroyed = reverted = None
        if provisioning is not None:
            destroyed = await self._destroy_droplets(provisioning["saga_id"])
            reverted = await self._revert_dns(provisioning)
        async with conn.transaction():
            if provisioning is not None:
                await repo.update_provisioning(
                    conn, provisioning["saga_id"], undone_at=datetime.now(UTC)
                )
            await self._publish(
                conn,
                teardown,
                DropletDestroyed(droplet_id=destroyed),
                DnsReverted(
                    record_id=reverted,
                    fqdn=(provisioning["dns_fqdn"] if provisioning else None) or "",
                ),
            )
            await repo.finish(conn, job["id"], "torn down")
        self._outbox.notify()
        return "torn down"

    async def _destroy_droplets(self, saga_id: UUID) -> int | None:
        """Delete every droplet carrying the saga's tag (also one we never recorded)."""
        last: int | None = None
        for droplet in await self._cloud.list_droplets_by_tag(saga_tag(saga_id)):
            await self._cloud.delete_droplet(droplet.id)
            last = droplet.id
        return last

    async def _revert_dns(self, row: Any) -> int | None:
        """Put the record back as it was before the saga: restore, or delete ours."""
        if not row["dns_prepared"]:
            return None
        domain = self._settings.base_domain
        name = dns_name(row["slug"], row["tenant_id"])
        previous = row["dns_previous"]
        for record in await self._cloud.list_records(domain, name):
            if record.type != "A":
                continue
            if previous and record.id == previous["id"]:
                if record.data != previous["data"]:
                    await self._cloud.update_record(
                        domain,
                        record.id,
                        type="A",
                        name=name,
                        data=previous["data"],
                        ttl=DNS_TTL_S,
                    )
                return record.id
            if record.data == row["ip_address"]:
                await self._cloud.delete_record(domain, record.id)
                return record.id
        return row["dns_record_id"]  # type: ignore[no-any-return]
