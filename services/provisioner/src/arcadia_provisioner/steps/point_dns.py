"""Step point_dns: `<slug>.<tenant label>.<base domain>` to the droplet's IP.

The provisioner never overwrites an A record it did not create: one at the name that points
elsewhere fails the step for good (`dns_conflict`), and the saga compensates. Before creating
the record, the step notes durably that it is about to (dns_prepared), so that compensation
deletes it even when the provider's answer was lost; a repeated attempt finds its own record
(pointing at the saga's droplet) and keeps it.
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
    plan = plan_point(existing, ip, f"{name}.{domain}")  # raises DnsConflictError
    if not row.dns_prepared:
        await ctx.store.update_provisioning(
            row.saga_id,
            {
                "dns_prepared": True,
                "dns_fqdn": f"{name}.{domain}",
                "dns_previous": previous_record(existing, ip),
            },
        )
    if plan.action == "create":
        record = await ctx.cloud.create_record(domain, type="A", name=name, data=ip, ttl=DNS_TTL_S)
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
