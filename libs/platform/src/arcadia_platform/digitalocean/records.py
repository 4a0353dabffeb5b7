"""Domain record calls: list by name and type, create, update, delete, and upsert."""

from __future__ import annotations

from typing import Any

import msgspec

from arcadia_platform.digitalocean.base import ApiBase, decode, log
from arcadia_platform.digitalocean.models import (
    DomainRecord,
    RecordEnvelope,
    RecordPage,
    next_page,
)

_record = msgspec.json.Decoder(RecordEnvelope)
_record_page = msgspec.json.Decoder(RecordPage)


def fqdn(domain: str, name: str) -> str:
    """DigitalOcean filters records by fully qualified name; accept "@", "www" or "www.domain"."""
    if name in ("@", domain) or name.endswith(f".{domain}"):
        return domain if name == "@" else name
    return f"{name}.{domain}"


class RecordCalls(ApiBase):
    async def list_records(
        self, domain: str, name: str | None = None, type: str | None = None
    ) -> list[DomainRecord]:
        """Records of `domain`, optionally only those named `name` ("www", "@") of one type."""
        query: dict[str, Any] = {"per_page": self._config.page_size}
        if name is not None:
            query["name"] = fqdn(domain, name)
        if type is not None:
            query["type"] = type
        params: dict[str, Any] | None = query
        found: list[DomainRecord] = []
        url: str | None = f"/v2/domains/{domain}/records"
        while url is not None:
            page = decode(_record_page, await self._api.send("GET", url, params=params))
            found.extend(r.to_record() for r in page.domain_records)
            url, params = next_page(page.links), None
        return found

    async def create_record(
        self, domain: str, *, type: str, name: str, data: str, ttl: int
    ) -> DomainRecord:
        """POST once: a 5xx or timeout is raised, not retried (see upsert_record)."""
        body = {"type": type, "name": name, "data": data, "ttl": ttl}
        response = await self._api.send(
            "POST", f"/v2/domains/{domain}/records", json=body, replay_safe=False
        )
        return decode(_record, response).domain_record.to_record()

    async def update_record(
        self, domain: str, record_id: int, *, type: str, name: str, data: str, ttl: int
    ) -> DomainRecord:
        body = {"type": type, "name": name, "data": data, "ttl": ttl}
        response = await self._api.send(
            "PUT", f"/v2/domains/{domain}/records/{record_id}", json=body
        )
        return decode(_record, response).domain_record.to_record()

    async def delete_record(self, domain: str, record_id: int) -> None:
        """Delete the record; one already gone (404) counts as deleted."""
        response = await self._api.send(
            "DELETE", f"/v2/domains/{domain}/records/{record_id}", accept_404=True
        )
        if response.status_code == 404:
            log.info("digitalocean.record.already_gone", domain=domain, id=record_id)

    async def delete_records(self, domain: str, *, type: str, name: str) -> int:
        """Delete every `type` record named `name` (an undo that needs no record id)."""
        records = await self.list_records(domain, name, type)
        for record in records:
            await self.delete_record(domain, record.id)
        return len(records)

    async def upsert_record(
        self, domain: str, *, type: str, name: str, data: str, ttl: int
    ) -> DomainRecord:
        """Exactly one `type` record named `name`, pointing at `data`, however often called."""
        existing = await self._record_named(domain, type, name)
        if existing is None:

            async def create() -> DomainRecord:
                return await self.create_record(domain, type=type, name=name, data=data, ttl=ttl)

            async def find() -> DomainRecord | None:
                return await self._record_named(domain, type, name)

            existing = await self._create_once(create, find, domain=domain, record=name)
        if existing.data == data and existing.ttl == ttl:
            return existing
        return await self.update_record(
            domain, existing.id, type=type, name=existing.name, data=data, ttl=ttl
        )

    async def _record_named(self, domain: str, type: str, name: str) -> DomainRecord | None:
        """The oldest such record; younger duplicates are deleted."""
        matching = sorted(await self.list_records(domain, name, type), key=lambda r: r.id)
        if not matching:
            return None
        keep, *extras = matching
        for extra in extras:
            log.warning("digitalocean.record.duplicate_deleted", id=extra.id, kept=keep.id)
            await self.delete_record(domain, extra.id)
        return keep
