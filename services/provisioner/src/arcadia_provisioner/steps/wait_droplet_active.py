"""Step wait_droplet_active: one look at the droplet per attempt, until it is active with an IP.

The wait never blocks anything: a droplet still booting makes the job due again later
(RetryLaterError), within the job's deadline (`droplet_active_timeout_s`).
"""

from __future__ import annotations

from arcadia_contracts.events.provisioner import DropletActive
from arcadia_platform.digitalocean.errors import DropletFailedError
from arcadia_provisioner.domain.model import Job, JobKind, Provisioning
from arcadia_provisioner.domain.policy import RetryLaterError
from arcadia_provisioner.steps.context import StepContext, skip_if_aborted


async def wait_droplet_active(ctx: StepContext, job: Job, row: Provisioning) -> str:
    if await skip_if_aborted(ctx, job, row):
        return "skipped"
    assert row.droplet_id is not None
    assert row.region is not None
    size = row.droplet_size
    assert size is not None
    droplet = await ctx.cloud.get_droplet(row.droplet_id)
    if droplet.status == "errored":
        raise DropletFailedError(droplet.id, droplet.status)
    if not droplet.is_active or droplet.ip is None:
        raise RetryLaterError(f"droplet {droplet.id} is {droplet.status}")
    async with ctx.store.transaction():
        current = await ctx.store.update_provisioning(
            row.saga_id, {"droplet_active": True, "ip_address": droplet.ip}
        )
        active = DropletActive(
            droplet_id=droplet.id, ip_address=droplet.ip, region=row.region, size=size
        )
        await ctx.store.publish(row, active)
        if current.linked:  # inventory's link arrived before the droplet was seen active
            await ctx.store.schedule(
                row.saga_id, JobKind.POINT_DNS, deadline_s=ctx.settings.step_timeout_s
            )
        await ctx.store.finish(job.id, f"active {droplet.ip}")
    ctx.notify_outbox()
    return f"active {droplet.ip}"
