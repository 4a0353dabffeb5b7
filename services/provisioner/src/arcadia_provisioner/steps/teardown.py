"""Teardown of a provisioned deployment: its droplets destroyed and its DNS name put back."""

from __future__ import annotations

from datetime import UTC, datetime

from arcadia_contracts.events.provisioner import DnsReverted, DropletDestroyed
from arcadia_provisioner.domain.model import Job, Teardown
from arcadia_provisioner.steps.context import StepContext
from arcadia_provisioner.steps.undo import destroy_droplets, revert_dns


async def teardown(ctx: StepContext, job: Job, row: Teardown) -> str:
    provisioning = None
    if row.provisioning_saga is not None:
        provisioning = await ctx.store.get_provisioning(row.provisioning_saga)
    destroyed = reverted = None
    if provisioning is not None:
        destroyed = await destroy_droplets(ctx.cloud, provisioning.saga_id)
        reverted = await revert_dns(ctx.cloud, ctx.settings.base_domain, provisioning)
    async with ctx.store.transaction():
        if provisioning is not None:
            await ctx.store.update_provisioning(
                provisioning.saga_id, {"undone_at": datetime.now(UTC)}
            )
        fqdn = (provisioning.dns_fqdn if provisioning else None) or ""
        await ctx.store.publish(
            row, DropletDestroyed(droplet_id=destroyed), DnsReverted(record_id=reverted, fqdn=fqdn)
        )
        await ctx.store.finish(job.id, "torn down")
    ctx.notify_outbox()
    return "torn down"
