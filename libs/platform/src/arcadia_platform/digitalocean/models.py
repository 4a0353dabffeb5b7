"""What the client returns (Droplet, DomainRecord) and the slices of DO's JSON it decodes."""

from __future__ import annotations

import msgspec
from msgspec import Struct


class Droplet(Struct, frozen=True):
    id: int
    name: str
    status: str
    tags: tuple[str, ...]
    region: str
    size: str
    created_at: str
    # The public IPv4 address; DigitalOcean shows it once the droplet is active.
    ip: str | None = None

    @property
    def is_active(self) -> bool:
        return self.status == "active" and self.ip is not None


class DomainRecord(Struct, frozen=True):
    id: int
    type: str
    name: str
    data: str
    ttl: int


# The wire types below name only the fields we read; unknown fields are ignored on purpose,
# so additions to DigitalOcean's responses never break us.


class _Network(Struct):
    ip_address: str
    type: str


class _Networks(Struct):
    v4: list[_Network] = []


class _Region(Struct):
    slug: str


class _WireDroplet(Struct):
    id: int
    name: str
    status: str
    tags: list[str] = []
    region: _Region | None = None
    size_slug: str = ""
    created_at: str = ""
    networks: _Networks = msgspec.field(default_factory=_Networks)

    def to_droplet(self) -> Droplet:
        public = next((n.ip_address for n in self.networks.v4 if n.type == "public"), None)
        return Droplet(
            id=self.id,
            name=self.name,
            status=self.status,
            tags=tuple(self.tags),
            region=self.region.slug if self.region else "",
            size=self.size_slug,
            created_at=self.created_at,
            ip=public,
        )


class _WireRecord(Struct):
    id: int
    type: str
    name: str
    data: str
    ttl: int | None = None

    def to_record(self) -> DomainRecord:
        return DomainRecord(self.id, self.type, self.name, self.data, self.ttl or 0)


class _Pages(Struct):
    next: str | None = None


class _Links(Struct):
    pages: _Pages | None = None


class _Meta(Struct):
    total: int


class DropletEnvelope(Struct):
    droplet: _WireDroplet


class DropletPage(Struct):
    droplets: list[_WireDroplet]
    links: _Links = msgspec.field(default_factory=_Links)
    meta: _Meta | None = None

    def has_more(self, seen: int) -> bool:
        """Whether pages follow, after `seen` droplets in all: per `meta.total`, else the links."""
        if not self.droplets:
            return False
        if self.meta is not None:
            return seen < self.meta.total
        return next_page(self.links) is not None


class RecordEnvelope(Struct):
    domain_record: _WireRecord


class RecordPage(Struct):
    domain_records: list[_WireRecord]
    links: _Links = msgspec.field(default_factory=_Links)


class ErrorBody(Struct):
    id: str = ""
    message: str = ""


def next_page(links: _Links) -> str | None:
    return links.pages.next if links.pages else None
