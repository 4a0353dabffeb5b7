"""The provisioner's facts for the operators' audit (GET /internal/v1/audit/facts): what the
provider holds, read through its own client (droplets tagged `arcadia`, the base domain's
records). The provisioner owns the provider relation, so the gateway needs no provider token."""

from __future__ import annotations

from typing import Any

from arcadia_platform.audit.facts import AuditFacts
from arcadia_platform.digitalocean import DigitalOceanClient
from arcadia_platform.runtime import ServiceRuntime

DROPLET_TAG = "arcadia"


def provider_facts(cloud: DigitalOceanClient, base_domain: str) -> AuditFacts:
    async def facts(runtime: ServiceRuntime) -> dict[str, list[dict[str, Any]]]:
        droplets = await cloud.list_droplets_by_tag(DROPLET_TAG)
        records = await cloud.list_records(base_domain)
        return {
            "droplets": [
                {"id": d.id, "status": d.status, "tags": list(d.tags), "public_ip": d.ip}
                for d in droplets
            ],
            "records": [
                {"id": r.id, "type": r.type, "name": r.name, "data": r.data} for r in records
            ],
        }

    return facts
