"""Names derived from a saga: the droplet's name and tags, the DNS record's name."""

from __future__ import annotations

from uuid import UUID

from arcadia_contracts.dns import record_name, tenant_dns_label

DROPLET_IMAGE = "ubuntu-24-04-x64"
DNS_TTL_S = 300


def droplet_name(saga_id: UUID, slug: str) -> str:
    """Deterministic: a retried create after a timeout asks for the same name."""
    return f"arcadia-{slug}-{saga_id.hex[:12]}"[:63]


def saga_tag(saga_id: UUID) -> str:
    """Every droplet carries it; looking it up before any create makes creation idempotent."""
    return f"saga:{saga_id}"


def droplet_tags(saga_id: UUID, deployment_id: UUID) -> list[str]:
    return ["arcadia", saga_tag(saga_id), f"deployment:{deployment_id}"]


def dns_name(slug: str, tenant_id: str) -> str:
    """The record name relative to the base domain: `<slug>.<tenant label>`, the tenant's label
    unique to its exact id (arcadia_contracts.dns)."""
    return record_name(slug, tenant_id)


dns_label = tenant_dns_label
