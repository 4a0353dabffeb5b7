"""What the saga needs from a cloud provider; the DigitalOcean client provides it."""

from __future__ import annotations

from typing import Protocol

from arcadia_platform.digitalocean.models import DomainRecord, Droplet


class CloudProvider(Protocol):
    async def ensure_droplet(
        self,
        *,
        name: str,
        region: str,
        size: str,
        image: str,
        tags: list[str],
        tag: str,
        look_first: bool = True,
    ) -> Droplet: ...

    async def get_droplet(self, droplet_id: int) -> Droplet: ...

    async def list_droplets_by_tag(self, tag: str) -> list[Droplet]: ...

    async def delete_droplet(self, droplet_id: int) -> None: ...

    async def list_records(self, domain: str, name: str | None = None) -> list[DomainRecord]: ...

    async def create_record(
        self, domain: str, *, type: str, name: str, data: str, ttl: int
    ) -> DomainRecord: ...

    async def update_record(
        self, domain: str, record_id: int, *, type: str, name: str, data: str, ttl: int
    ) -> DomainRecord: ...

    async def delete_record(self, domain: str, record_id: int) -> None: ...
