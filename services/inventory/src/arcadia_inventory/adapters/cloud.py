"""The provider as drift scans and fixes use it: one shared client per process (one rate limit).

Listings page through the provider (the shared DigitalOcean client follows every page, waits out
429s per `retry-after` and retries 5xx), inside `do_requests_per_minute`: inventory's share of
the token's limit, the provisioner holding the rest (see the settings).
"""

from __future__ import annotations

from arcadia_inventory.adapters.digitalocean import CloudProviderError, cloud_droplet
from arcadia_inventory.config import InventorySettings
from arcadia_inventory.drift import CloudDroplet
from arcadia_inventory.findings import CloudRecord
from arcadia_platform.digitalocean import DigitalOceanClient, DigitalOceanConfig, ProviderError


def cloud_client(settings: InventorySettings) -> DigitalOceanClient:
    """The process's one client (no I/O until the first call); close it with the app."""
    retries = max(1, settings.do_max_attempts) - 1
    return DigitalOceanClient(
        DigitalOceanConfig(
            base_url=settings.do_base_url,
            token=settings.do_token,
            timeout_s=settings.do_timeout_s,
            max_retries=retries,
            requests_per_minute=settings.do_requests_per_minute or None,
            user_agent="arcadia-inventory",
        )
    )


class Cloud:
    def __init__(self, client: DigitalOceanClient, domain: str) -> None:
        self._client = client
        self.domain = domain

    async def droplets(self) -> list[CloudDroplet]:
        try:
            return [cloud_droplet(d) for d in await self._client.list_droplets()]
        except ProviderError as exc:
            raise CloudProviderError(f"listing droplets: {exc}") from exc

    async def records(self) -> list[CloudRecord]:
        try:
            found = await self._client.list_records(self.domain)
        except ProviderError as exc:
            raise CloudProviderError(f"listing records of {self.domain}: {exc}") from exc
        return [CloudRecord(id=str(r.id), type=r.type, name=r.name, data=r.data) for r in found]

    async def destroy_droplet(self, droplet_id: str) -> None:
        try:
            await self._client.delete_droplet(int(droplet_id))
        except ProviderError as exc:
            raise CloudProviderError(f"destroying droplet {droplet_id}: {exc}") from exc

    async def repair_record(self, domain: str, record_id: str, content: str) -> None:
        """Point the record back at `content`, keeping its type, name and ttl."""
        try:
            current = next(
                (r for r in await self._client.list_records(domain) if str(r.id) == record_id),
                None,
            )
            if current is None:
                raise CloudProviderError(f"record {record_id} of {domain} no longer exists")
            await self._client.update_record(
                domain,
                current.id,
                type=current.type,
                name=current.name,
                data=content,
                ttl=current.ttl,
            )
        except ProviderError as exc:
            raise CloudProviderError(f"repairing record {record_id}: {exc}") from exc
