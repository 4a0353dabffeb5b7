"""Reads the droplets of a DigitalOcean API v2 account (or cloudsim), for drift detection."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Final

import httpx
import msgspec

from arcadia_inventory.drift import CloudDroplet
from arcadia_platform.logs import get_logger

log = get_logger(__name__)
PER_PAGE: Final = 200
MAX_PAGES: Final = 10_000
MAX_RETRY_AFTER_S: Final = 5.0


class CloudProviderError(Exception):
    """The provider could not be read: unreachable, refusing, or answering nonsense."""


class _Address(msgspec.Struct, frozen=True):
    ip_address: str
    type: str = "public"


class _Networks(msgspec.Struct, frozen=True):
    v4: list[_Address] = msgspec.field(default_factory=list)


class _Region(msgspec.Struct, frozen=True):
    slug: str


class _Droplet(msgspec.Struct, frozen=True):
    id: int
    name: str = ""
    status: str = ""
    tags: list[str] = msgspec.field(default_factory=list)
    region: _Region | None = None
    size_slug: str | None = None
    networks: _Networks | None = None
    created_at: str | None = None


class _Pages(msgspec.Struct, frozen=True):
    next: str | None = None


class _Links(msgspec.Struct, frozen=True):
    pages: _Pages | None = None


class _Meta(msgspec.Struct, frozen=True):
    total: int


class _Page(msgspec.Struct, frozen=True):
    droplets: list[_Droplet]
    links: _Links | None = None
    meta: _Meta | None = None


_page_decoder: Final = msgspec.json.Decoder(_Page)


def _cloud_droplet(raw: _Droplet) -> CloudDroplet:
    public = [a.ip_address for a in (raw.networks.v4 if raw.networks else []) if a.type == "public"]
    return CloudDroplet(
        id=str(raw.id),
        name=raw.name,
        status=raw.status,
        tags=tuple(raw.tags),
        region=raw.region.slug if raw.region else None,
        size=raw.size_slug,
        ip_address=public[0] if public else None,
        created_at=raw.created_at,
    )


class DropletReader:
    """Lists every droplet page by page; retries 429 (honouring retry-after), 5xx and timeouts."""

    def __init__(self, client: httpx.AsyncClient, *, max_attempts: int) -> None:
        self._client = client
        self._max_attempts = max(1, max_attempts)

    async def all(self) -> list[CloudDroplet]:
        droplets: list[CloudDroplet] = []
        for page_number in range(1, MAX_PAGES + 1):
            page = await self._page(page_number)
            droplets.extend(_cloud_droplet(raw) for raw in page.droplets)
            if page.meta is not None:
                more = len(droplets) < page.meta.total
            else:
                more = bool(page.links and page.links.pages and page.links.pages.next)
            if not page.droplets or not more:
                return droplets
        raise CloudProviderError(f"more than {MAX_PAGES} pages of droplets")

    async def _page(self, number: int) -> _Page:
        params = {"page": number, "per_page": PER_PAGE}
        for attempt in range(1, self._max_attempts + 1):
            last = attempt == self._max_attempts
            try:
                response = await self._client.get("/v2/droplets", params=params)
            except httpx.TransportError as exc:
                if last:
                    raise CloudProviderError(f"GET /v2/droplets: {exc!r}") from exc
                await asyncio.sleep(_backoff(attempt))
                continue
            if response.status_code == 200:
                try:
                    return _page_decoder.decode(response.content)
                except msgspec.DecodeError as exc:
                    raise CloudProviderError(f"unexpected droplet listing: {exc}") from exc
            retryable = response.status_code == 429 or response.status_code >= 500
            if last or not retryable:
                raise CloudProviderError(
                    f"GET /v2/droplets answered {response.status_code}: {response.text[:200]}"
                )
            log.info("digitalocean.retry", status=response.status_code, attempt=attempt)
            await asyncio.sleep(_retry_after(response) or _backoff(attempt))
        raise AssertionError("unreachable")


def _backoff(attempt: int) -> float:
    capped: float = min(2.0, 0.1 * 2.0 ** (attempt - 1))
    return capped * (0.5 + random.random() / 2)


def _retry_after(response: httpx.Response) -> float | None:
    try:
        seconds = float(str(response.headers.get("retry-after", "")))
    except ValueError:
        return None
    return min(MAX_RETRY_AFTER_S, max(0.0, seconds))


@asynccontextmanager
async def droplet_reader(
    base_url: str, token: str, *, timeout_s: float, max_attempts: int
) -> AsyncIterator[DropletReader]:
    """A reader with its own HTTP client, closed on exit."""
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=timeout_s) as client:
        yield DropletReader(client, max_attempts=max_attempts)
