"""Compensation of create_droplet and point_dns: every droplet tagged with the saga destroyed,
the DNS name put back, and both reported (DropletDestroyed, DnsReverted) once."""

from __future__ import annotations

from datetime import UTC, datetime

from arcadia_contracts.events.provisioner import DnsReverted, DropletDestroyed
from arcadia_provisioner.domain.model import Job, Provisioning
from arcadia_provisioner.steps.context import StepContext
from arcadia_provisioner.steps.undo import destroy_droplets, revert_dns


async def compensate(ctx: StepContext, job: Job, row: Provisioning) -> str:
    destroyed = await destroy_droplets(ctx.cloud, row.saga_id)
    reverted = await revert_dns(ctx.cloud, ctx.settings.base_domain, row)
    async with ctx.store.transaction():
        await ctx.store.update_provisioning(row.saga_id, {"undone_at": datetime.now(UTC)})
        await ctx.store.publish(
            row,
            DropletDestroyed(droplet_id=destroyed or row.droplet_id),
            DnsReverted(record_id=reverted, fqdn=row.dns_fqdn or ""),
        )
        await ctx.store.finish(job.id, "compensated")
    ctx.notify_outbox()
    return "compensated"
