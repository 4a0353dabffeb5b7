"""What every step gets: the saga's store, the cloud, the settings, and the hooks after commit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from arcadia_platform.faults import NO_FAULTS, CrashPoints
from arcadia_provisioner.config import ProvisionerSettings
from arcadia_provisioner.domain.model import Job, Provisioning
from arcadia_provisioner.ports import CloudProvider, ProvisioningStore, Subject


def _nothing() -> None:
    return None


@dataclass
class StepContext:
    store: ProvisioningStore
    cloud: CloudProvider
    settings: ProvisionerSettings
    crash: CrashPoints = NO_FAULTS
    # After a step's transaction commits: wake the outbox relay, and the worker for what is due.
    notify_outbox: Callable[[], None] = field(default=_nothing)
    wake_worker: Callable[[], None] = field(default=_nothing)

    def after_provider_call(self) -> None:
        """A crash point between the provider's answer and its record (the failure tests use it)."""
        self.crash.hit("provisioner.after_provider_call")


async def skip_if_aborted(ctx: StepContext, job: Job, row: Provisioning) -> bool:
    """A forward step of an aborted saga is never done: finish the job as skipped."""
    if not row.aborted:
        return False
    await ctx.store.finish(job.id, "skipped: saga aborted")
    return True


__all__ = ["StepContext", "Subject", "skip_if_aborted"]
