"""Step create_droplet: the saga's droplet, looked up by its saga tag before any create.

Every attempt (the first one too) asks the provider for droplets tagged `saga:<id>` before it
creates one, so a droplet made by an earlier attempt whose answer was lost (a crash, a timeout,
a 5xx after the work) is found, never made twice. The name is deterministic for the same reason.
"""

from __future__ import annotations

from arcadia_contracts.events.provisioner import DropletCreated
from arcadia_provisioner.domain.model import Job, JobKind, Provisioning
from arcadia_provisioner.domain.names import DROPLET_IMAGE, droplet_name, droplet_tags, saga_tag
from arcadia_provisioner.steps.context import StepContext, skip_if_aborted


async def create_droplet(ctx: StepContext, job: Job, row: Provisioning) -> str:
    if await skip_if_aborted(ctx, job, row):
        return "skipped"
    assert row.slug is not None
    assert row.region is not None
    size = row.droplet_size
    assert size is not None
    droplet = await ctx.cloud.ensure_droplet(
        name=droplet_name(row.saga_id, row.slug),
        region=row.region,
        size=size,
        image=DROPLET_IMAGE,
        tags=droplet_tags(row.saga_id, row.deployment_id),
        tag=saga_tag(row.saga_id),
    )
    ctx.after_provider_call()
    async with ctx.store.transaction():
        await ctx.store.update_provisioning(row.saga_id, {"droplet_id": droplet.id})
        created = DropletCreated(
            droplet_id=droplet.id, name=droplet.name, region=row.region, size=size
        )
        await ctx.store.publish(row, created)
        await ctx.store.schedule(
            row.saga_id, JobKind.WAIT_DROPLET, deadline_s=ctx.settings.droplet_active_timeout_s
        )
        await ctx.store.finish(job.id, f"droplet {droplet.id}")
    ctx.notify_outbox()
    ctx.wake_worker()
    return f"droplet {droplet.id}"
