"""The saga's DNS records in the inventory: registered on DnsPointed, released on DnsReverted.

No event is published: DNS records are not a saga step of inventory's, only what it knows.
"""

from __future__ import annotations

from arcadia_contracts import Envelope
from arcadia_contracts.events.provisioner import DnsPointed, DnsReverted
from arcadia_inventory.adapters.dns_records import DnsRecordStore
from arcadia_inventory.adapters.resources import ResourceStore
from arcadia_inventory.handlers.common import payload_of
from arcadia_platform.db import Connection
from arcadia_platform.logs import get_logger

log = get_logger(__name__)


async def record_dns_pointed(conn: Connection, event: Envelope, *, domain: str) -> None:
    """Hold the saga's record, if its droplet is still held: DnsPointed follows DropletActive on
    the same partition, so a droplet that is not active means the saga was aborted or torn down."""
    pointed = payload_of(event, DnsPointed)
    if event.saga_id is None or event.deployment_id is None:
        log.warning("dns.pointed_outside_saga", fqdn=pointed.fqdn, event_id=str(event.event_id))
        return
    await ResourceStore(conn).lock_saga(event.saga_id)
    store = DnsRecordStore(conn)
    if not await store.saga_droplet_active(event.saga_id):
        log.info("dns.skipped_released_saga", saga_id=str(event.saga_id), fqdn=pointed.fqdn)
        return
    added = await store.add(
        record_id=str(pointed.record_id),
        fqdn=pointed.fqdn,
        domain=domain,
        content=pointed.ip_address,
        tenant_id=event.tenant_id,
        deployment_id=event.deployment_id,
        saga_id=event.saga_id,
        at=event.occurred_at,
    )
    log.info("dns.registered", record_id=pointed.record_id, fqdn=pointed.fqdn, new=bool(added))


async def record_dns_reverted(conn: Connection, event: Envelope) -> None:
    """The provisioner removed (or restored) the deployment's record: it is no longer ours."""
    reverted = payload_of(event, DnsReverted)
    if event.deployment_id is None:
        return
    store = DnsRecordStore(conn)
    reason = f"dns reverted ({reverted.fqdn})"
    if reverted.record_id is None:
        released = await store.release(
            "deployment_id = $1", event.deployment_id, reason=reason, at=event.occurred_at
        )
    else:
        released = await store.release(
            "deployment_id = $1 AND record_id = $2",
            event.deployment_id,
            str(reverted.record_id),
            reason=reason,
            at=event.occurred_at,
        )
    log.info("dns.released", deployment_id=str(event.deployment_id), released=len(released))
