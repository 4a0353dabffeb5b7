"""What compensation and teardown share: destroy the saga's droplets, put its DNS name back."""

from __future__ import annotations

from uuid import UUID

from arcadia_provisioner.domain.dns import plan_revert
from arcadia_provisioner.domain.model import Provisioning
from arcadia_provisioner.domain.names import DNS_TTL_S, dns_name, saga_tag
from arcadia_provisioner.ports import CloudProvider


async def destroy_droplets(cloud: CloudProvider, saga_id: UUID) -> int | None:
    """Delete every droplet carrying the saga's tag (also one we never recorded)."""
    last: int | None = None
    for droplet in await cloud.list_droplets_by_tag(saga_tag(saga_id)):
        await cloud.delete_droplet(droplet.id)
        last = droplet.id
    return last


async def revert_dns(cloud: CloudProvider, domain: str, row: Provisioning) -> int | None:
    """Put the record back as it was before the saga: restore, or delete ours."""
    if not row.dns_prepared:
        return None
    assert row.slug is not None
    name = dns_name(row.slug, row.tenant_id)
    records = await cloud.list_records(domain, name)
    plan = plan_revert(records, row.dns_previous, row.ip_address, row.dns_record_id)
    if plan.action == "restore":
        assert plan.record_id is not None
        assert plan.data is not None
        await cloud.update_record(
            domain, plan.record_id, type="A", name=name, data=plan.data, ttl=DNS_TTL_S
        )
    elif plan.action == "delete":
        assert plan.record_id is not None
        await cloud.delete_record(domain, plan.record_id)
    return plan.record_id
