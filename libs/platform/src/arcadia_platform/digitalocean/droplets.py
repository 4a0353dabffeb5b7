"""Droplet calls: create, look up by tag, get, delete, ensure (idempotent create), wait active."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from arcadia_platform.digitalocean.base import ApiBase, decode, log
from arcadia_platform.digitalocean.errors import (
    DropletFailedError,
    DropletNotActiveError,
    ProviderRejectedError,
    ProviderUnavailableError,
)
from arcadia_platform.digitalocean.models import (
    Droplet,
    DropletEnvelope,
    DropletPage,
    next_page,
)

_droplet = msgspec.json.Decoder(DropletEnvelope)
_droplet_page = msgspec.json.Decoder(DropletPage)
# A droplet in any of these will never become active by itself.
_DEAD_STATUSES = frozenset({"errored", "off", "archive"})


class DropletCalls(ApiBase):
    async def create_droplet(
        self, name: str, region: str, size: str, image: str | int, tags: Sequence[str]
    ) -> Droplet:
        """POST /v2/droplets once: a 5xx or timeout is raised, not retried (see ensure_droplet)."""
        body = {"name": name, "region": region, "size": size, "image": image, "tags": list(tags)}
        response = await self._api.send("POST", "/v2/droplets", json=body, replay_safe=False)
        return decode(_droplet, response).droplet.to_droplet()

    async def list_droplets_by_tag(self, tag: str) -> list[Droplet]:
        found: list[Droplet] = []
        url: str | None = "/v2/droplets"
        params: dict[str, Any] | None = {"tag_name": tag, "per_page": self._config.page_size}
        while url is not None:
            page = decode(_droplet_page, await self._api.send("GET", url, params=params))
            found.extend(d.to_droplet() for d in page.droplets)
            # The next-page link carries every query parameter already.
            url, params = next_page(page.links), None
        return found

    async def list_droplets(self, *, max_pages: int = 10_000) -> list[Droplet]:
        """Every droplet of the account, by numbered pages (for drift, which reads them all)."""
        found: list[Droplet] = []
        for number in range(1, max_pages + 1):
            params = {"page": number, "per_page": self._config.page_size}
            page = decode(_droplet_page, await self._api.send("GET", "/v2/droplets", params=params))
            found.extend(d.to_droplet() for d in page.droplets)
            if not page.has_more(len(found)):
                return found
        raise ProviderUnavailableError(f"more than {max_pages} pages of droplets")

    async def get_droplet(self, droplet_id: int) -> Droplet:
        """The droplet; a missing one raises ProviderRejectedError with status 404."""
        response = await self._api.send("GET", f"/v2/droplets/{droplet_id}")
        return decode(_droplet, response).droplet.to_droplet()

    async def delete_droplet(self, droplet_id: int) -> None:
        """Destroy the droplet; one already gone (404) counts as destroyed."""
        response = await self._api.send("DELETE", f"/v2/droplets/{droplet_id}", accept_404=True)
        if response.status_code == 404:
            log.info("digitalocean.droplet.already_gone", id=droplet_id)

    async def delete_droplets_by_tag(self, tag: str) -> None:
        """Destroy every droplet carrying `tag` (DELETE /v2/droplets?tag_name=)."""
        await self._api.send("DELETE", "/v2/droplets", params={"tag_name": tag})

    async def ensure_droplet(
        self,
        *,
        name: str,
        tag: str,
        region: str,
        size: str,
        image: str | int,
        tags: Sequence[str] = (),
    ) -> Droplet:
        """The droplet named `name` tagged `tag` (plus `tags`), created only if none exists.

        It always looks the droplet up by `tag` first: an earlier call (a crash, a timeout, a
        lost answer) may have created it, and only the look-up can tell.
        """
        existing = await self._droplet_named(name, tag)
        if existing is not None:
            return existing
        all_tags = [tag, *(t for t in tags if t != tag)]

        async def create() -> Droplet:
            return await self.create_droplet(name, region, size, image, all_tags)

        async def find() -> Droplet | None:
            return await self._droplet_named(name, tag)

        return await self._create_once(create, find, droplet=name, tag=tag)

    async def _droplet_named(self, name: str, tag: str) -> Droplet | None:
        """The oldest droplet with this name and tag; younger duplicates are destroyed."""
        matching = sorted(
            (d for d in await self.list_droplets_by_tag(tag) if d.name == name), key=lambda d: d.id
        )
        if not matching:
            return None
        keep, *extras = matching
        for extra in extras:
            log.warning("digitalocean.droplet.duplicate_destroyed", id=extra.id, kept=keep.id)
            await self.delete_droplet(extra.id)
        return keep

    async def wait_until_active(
        self, droplet_id: int, *, timeout_s: float, poll_interval_s: float | None = None
    ) -> Droplet:
        """Poll until the droplet is active with a public IP.

        Raises DropletFailedError if it is gone or in a state it cannot leave by itself
        (errored, off, archive), DropletNotActiveError when `timeout_s` runs out.
        """
        interval = poll_interval_s if poll_interval_s is not None else self._config.poll_interval_s
        started = self._clock()
        while True:
            try:
                droplet = await self.get_droplet(droplet_id)
            except ProviderRejectedError as exc:
                if exc.status == 404:
                    raise DropletFailedError(droplet_id, "deleted") from exc
                raise
            if droplet.is_active:
                return droplet
            if droplet.status in _DEAD_STATUSES:
                raise DropletFailedError(droplet_id, droplet.status)
            waited = self._clock() - started
            if waited >= timeout_s:
                raise DropletNotActiveError(droplet_id, droplet.status, waited)
            await self._sleep(min(interval, timeout_s - waited))
