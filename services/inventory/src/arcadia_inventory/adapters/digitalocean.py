"""Reads the droplets of a DigitalOcean account (or cloudsim) for drift, with the shared client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Final

from arcadia_inventory.drift import CloudDroplet
from arcadia_platform.digitalocean import (
    DigitalOceanClient,
    DigitalOceanConfig,
    Droplet,
    ProviderError,
)

# Drift answers an operator's request: never wait long on a provider that asks us to.
MAX_RETRY_AFTER_S: Final = 5.0
BACKOFF_BASE_S: Final = 0.1
BACKOFF_MAX_S: Final = 2.0


class CloudProviderError(Exception):
    """The provider could not be read: unreachable, refusing, or answering nonsense."""


def cloud_droplet(droplet: Droplet) -> CloudDroplet:
    return CloudDroplet(
        id=str(droplet.id),
        name=droplet.name,
        status=droplet.status,
        tags=droplet.tags,
        # The client says "" for a field DigitalOcean left out; drift compares None.
        region=droplet.region or None,
        size=droplet.size or None,
        ip_address=droplet.ip,
        created_at=droplet.created_at or None,
    )


class DropletReader:
    """Lists every droplet page by page; the client retries 429 (per retry-after), 5xx, timeouts."""

    def __init__(self, client: DigitalOceanClient) -> None:
        self._client = client

    async def all(self) -> list[CloudDroplet]:
        try:
            droplets = await self._client.list_droplets()
        except ProviderError as exc:
            raise CloudProviderError(f"GET /v2/droplets: {exc}") from exc
        return [cloud_droplet(d) for d in droplets]


@asynccontextmanager
async def droplet_reader(
    base_url: str,
    token: str,
    *,
    timeout_s: float,
    max_attempts: int,
    requests_per_minute: int | None = None,
) -> AsyncIterator[DropletReader]:
    """A reader with its own client (and HTTP connections), closed on exit."""
    retries = max(1, max_attempts) - 1
    config = DigitalOceanConfig(
        base_url=base_url,
        token=token,
        timeout_s=timeout_s,
        max_retries=retries,
        # 429s are waited out as often as failures are retried: a drift read stays short.
        max_rate_limit_waits=retries,
        backoff_base_s=BACKOFF_BASE_S,
        backoff_max_s=BACKOFF_MAX_S,
        requests_per_minute=requests_per_minute,
        max_retry_after_s=MAX_RETRY_AFTER_S,
        user_agent="arcadia-inventory",
    )
    async with DigitalOceanClient(config) as client:
        yield DropletReader(client)
