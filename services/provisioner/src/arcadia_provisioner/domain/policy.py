"""The worker's error policy as pure rules: retry a job later, or give up on it."""

from __future__ import annotations

from enum import Enum

from arcadia_platform.backoff import Backoff
from arcadia_provisioner.domain.model import UNDO_KINDS, Job


class RetryLaterError(Exception):
    """The step is not finished yet (e.g. the droplet is still booting): run the job again."""


class Failure(Enum):
    RETRYABLE = "retryable"  # the provider was unavailable, or the work is not done yet
    FINAL = "final"  # the provider refused, or the droplet failed: trying again cannot help


class Decision(Enum):
    RETRY = "retry"
    GIVE_UP = "give_up"


def decide(job: Job, failure: Failure, *, compensation_max_attempts: int) -> Decision:
    """A final failure gives up at once; a retryable one until the deadline, or for an undo,
    until its attempts run out (forward steps are bounded by their deadline alone)."""
    if failure is Failure.FINAL or job.expired:
        return Decision.GIVE_UP
    if job.kind in UNDO_KINDS and job.attempts >= compensation_max_attempts:
        return Decision.GIVE_UP
    return Decision.RETRY


def retry_delay(backoff: Backoff, job: Job) -> float:
    """How long until the next attempt: `attempts` counts the one that just failed (from 1)."""
    return backoff.delay(job.attempts - 1)
