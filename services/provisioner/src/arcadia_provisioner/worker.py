"""The durable job worker: the loop, the per-saga advisory locks and the wake-ups.

A job runs under a session advisory lock on its saga (released at once if the process dies), so
one saga's jobs never overlap and a restarted worker picks up where the dead one stopped. The
provider call happens outside any transaction; its outcome and the events announcing it are
written in one transaction afterwards (steps/). A crash between the two repeats the call, which
is safe: every create_droplet attempt looks the droplet up by its saga tag before creating, and
point_dns looks the record up by name.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from uuid import UUID

import asyncpg

from arcadia_platform.backoff import Backoff
from arcadia_platform.faults import CrashPoints
from arcadia_platform.logs import get_logger
from arcadia_platform.outbox import Outbox
from arcadia_provisioner.adapters import repository as repo
from arcadia_provisioner.config import ProvisionerSettings
from arcadia_provisioner.ports import CloudProvider
from arcadia_provisioner.steps.context import StepContext
from arcadia_provisioner.steps.runner import run_job

log = get_logger(__name__)


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

    def wake(self) -> None:
        self._wakeup.set()

    async def run(self) -> None:
        try:
            while True:
                self._wakeup.clear()
                wait_s = await self._start_due_jobs()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wakeup.wait(), wait_s)
        finally:
            for task in self._running.values():
                task.cancel()

    async def _start_due_jobs(self) -> float:
        """Start what is due; returns how long to sleep unless woken: until the next job that
        is not due yet (a retry's backoff, the wait for a droplet), at most the slow poll."""
        poll_s = self._settings.job_poll_interval_s
        free = self._settings.job_concurrency - len(self._running)
        if free <= 0:
            return poll_s  # a finished job wakes the loop
        async with self._pool.acquire() as conn:
            due = await repo.due_jobs(conn, free, list(self._running))
            next_in = None if len(due) >= free else await repo.next_job_in(conn)
        for job in due:
            if job.saga_id in self._running:
                continue
            task = asyncio.create_task(self._run_saga(job.id, job.saga_id))
            self._running[job.saga_id] = task
            task.add_done_callback(functools.partial(self._job_done, job.saga_id))
        if next_in is None:
            return poll_s
        return min(poll_s, max(next_in, 0.001))

    def _job_done(self, saga_id: UUID, _: asyncio.Task[None]) -> None:
        self._running.pop(saga_id, None)
        self._wakeup.set()  # a finished job often made the next one due

    async def _run_saga(self, job_id: int, saga_id: UUID) -> None:
        try:
            async with self._pool.acquire() as conn:
                if not await repo.try_lock_saga(conn, saga_id):
                    return  # another worker holds this saga
                try:
                    ctx = StepContext(
                        store=repo.PgProvisioningStore(conn, self._outbox),
                        cloud=self._cloud,
                        settings=self._settings,
                        crash=self._crash,
                        notify_outbox=self._outbox.notify,
                        wake_worker=self.wake,
                    )
                    # Holding the saga's lock, run what the job made due at once (e.g. the wait
                    # after a create) instead of handing it back to the dispatcher.
                    next_job: int | None = job_id
                    while next_job is not None:
                        await run_job(ctx, self._backoff, next_job)
                        next_job = await ctx.store.due_job_of(saga_id)
                finally:
                    await repo.unlock_saga(conn, saga_id)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the database or a bug: the job stays due and runs again
            log.error("job.crashed", job_id=job_id, error=repr(exc), exc_info=True)
            await asyncio.sleep(self._backoff.max_s)
