"""Step point_dns: `<slug>.<tenant>.<base domain>` to the droplet's IP, remembering what was there.

Before changing anything, the record it replaces is stored durably (dns_prepared), so that
compensation can put it back; a repeated attempt finds its own record and keeps it.
"""

from __future__ import annotations

from arcadia_contracts.events.provisioner import DnsPointed
from arcadia_provisioner.domain.dns import plan_point, previous_record
from arcadia_provisioner.domain.model import Job, Provisioning
from arcadia_provisioner.domain.names import DNS_TTL_S, dns_name
from arcadia_provisioner.steps.context import StepContext, skip_if_aborted


async def point_dns(ctx: StepContext, job: Job, row: Provisioning) -> str:
    if await skip_if_aborted(ctx, job, row):
        return "skipped"
    assert row.slug is not None
    assert row.ip_address is not None
    ip = row.ip_address
    domain = ctx.settings.base_domain
    name = dns_name(row.slug, row.tenant_id)
    existing = await ctx.cloud.list_records(domain, name)
    if not row.dns_prepared:
        await ctx.store.update_provisioning(
            row.saga_id,
            {
                "dns_prepared": True,
                "dns_fqdn": f"{name}.{domain}",
                "dns_previous": previous_record(existing, ip),
            },
        )
    plan = plan_point(existing, ip)
    if plan.action == "create":
        record = await ctx.cloud.create_record(domain, type="A", name=name, data=ip, ttl=DNS_TTL_S)
        record_id, data = record.id, record.data
    elif plan.action == "update":
        assert plan.record_id is not None
        record = await ctx.cloud.update_record(
            domain, plan.record_id, type="A", name=name, data=ip, ttl=DNS_TTL_S
        )
        record_id, data = record.id, record.data
    else:
        assert plan.record_id is not None
        record_id, data = plan.record_id, ip
    ctx.after_provider_call()
    async with ctx.store.transaction():
        await ctx.store.update_provisioning(
            row.saga_id, {"dns_record_id": record_id, "dns_pointed": True}
        )
        pointed = DnsPointed(record_id=record_id, fqdn=f"{name}.{domain}", ip_address=data)
        await ctx.store.publish(row, pointed)
        await ctx.store.finish(job.id, f"record {record_id}")
    ctx.notify_outbox()
    return f"record {record_id}"
