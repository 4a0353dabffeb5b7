"""One attempt at a job: claim it, run its step, and apply the error policy to what failed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from arcadia_contracts.events.deployments import CompensationFailed, ProvisioningAborted
from arcadia_platform.backoff import Backoff
from arcadia_platform.digitalocean.errors import (
    DropletFailedError,
    ProviderError,
    ProviderRejectedError,
)
from arcadia_platform.logs import get_logger
from arcadia_platform.tracing import continued
from arcadia_provisioner.domain.dns import DnsConflictError
from arcadia_provisioner.domain.model import STEP_OF_JOB, UNDO_KINDS, Job, JobKind, Provisioning
from arcadia_provisioner.domain.policy import (
    Decision,
    Failure,
    RetryLaterError,
    decide,
    retry_delay,
)
from arcadia_provisioner.steps.compensate import compensate
from arcadia_provisioner.steps.context import StepContext, Subject
from arcadia_provisioner.steps.create_droplet import create_droplet
from arcadia_provisioner.steps.point_dns import point_dns
from arcadia_provisioner.steps.teardown import teardown
from arcadia_provisioner.steps.wait_droplet_active import wait_droplet_active

log = get_logger(__name__)

ProvisioningStep = Callable[[StepContext, Job, Provisioning], Awaitable[str]]
PROVISIONING_STEPS: dict[JobKind, ProvisioningStep] = {
    JobKind.CREATE_DROPLET: create_droplet,
    JobKind.WAIT_DROPLET: wait_droplet_active,
    JobKind.POINT_DNS: point_dns,
    JobKind.COMPENSATE: compensate,
}


def classify(exc: Exception) -> Failure | None:
    """How a step failed, as the policy sees it; None for an error that is not the provider's."""
    if isinstance(exc, ProviderRejectedError | DropletFailedError | DnsConflictError):
        return Failure.FINAL
    if isinstance(exc, RetryLaterError | ProviderError):
        return Failure.RETRYABLE
    return None


async def run_job(ctx: StepContext, backoff: Backoff, job_id: int) -> str | None:
    """The job's outcome, or None when it was not due (another attempt got there first).

    Errors that are not the provider's (the database, a bug) propagate: the job stays due.
    """
    job = await ctx.store.claim(job_id)
    if job is None:
        return None
    # In the trace of the handler that scheduled the job: its provider calls and the events it
    # writes belong to the saga's trace.
    with continued(f"job {job.kind.value}", job.traceparent, **job_attributes(job)):
        return await _run_claimed(ctx, backoff, job)


def job_attributes(job: Job) -> dict[str, str]:
    return {
        "arcadia.job.kind": job.kind.value,
        "arcadia.job.attempt": str(job.attempts),
        "arcadia.saga_id": str(job.saga_id),
    }


async def _run_claimed(ctx: StepContext, backoff: Backoff, job: Job) -> str | None:
    subject = await _subject(ctx, job)
    try:
        outcome = await _step(ctx, job, subject)
    except Exception as exc:
        failure = classify(exc)
        if failure is None:
            raise
        decision = decide(
            job, failure, compensation_max_attempts=ctx.settings.compensation_max_attempts
        )
        if decision is Decision.GIVE_UP:
            await give_up(ctx, job, subject, str(exc))
            return "gave up"
        await ctx.store.retry_later(job.id, retry_delay(backoff, job), str(exc))
        return "retry"
    log.info("job.done", kind=job.kind.value, saga_id=str(job.saga_id), outcome=outcome)
    return outcome


async def _subject(ctx: StepContext, job: Job) -> Subject:
    found: Subject | None
    if job.kind is JobKind.TEARDOWN:
        found = await ctx.store.get_teardown(job.saga_id)
    else:
        found = await ctx.store.get_provisioning(job.saga_id)
    if found is None:
        raise LookupError(f"no subject for {job.kind.value} job {job.id}")
    return found


async def _step(ctx: StepContext, job: Job, subject: Subject) -> str:
    if isinstance(subject, Provisioning):
        return await PROVISIONING_STEPS[job.kind](ctx, job, subject)
    return await teardown(ctx, job, subject)


async def give_up(ctx: StepContext, job: Job, subject: Subject, error: str) -> None:
    """A forward step fails the saga; an undo that cannot finish is for operators."""
    log.warning("job.gave_up", kind=job.kind.value, saga_id=str(job.saga_id), error=error)
    async with ctx.store.transaction():
        if job.kind in UNDO_KINDS:
            await ctx.store.publish(subject, CompensationFailed(step=job.kind.value, reason=error))
        else:
            step = STEP_OF_JOB[job.kind]
            # Announce ProvisioningAborted and schedule our own compensation, in one transaction.
            await ctx.store.mark_aborted(job.saga_id, f"{step}: {error}")
            await ctx.store.publish(subject, ProvisioningAborted(failed_step=step, reason=error))
            await ctx.store.schedule(job.saga_id, JobKind.COMPENSATE)
        await ctx.store.finish(job.id, f"failed: {error[:200]}")
    ctx.notify_outbox()
