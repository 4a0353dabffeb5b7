"""What the droplet and record calls share: the transport, settings, clock, and safe creation."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx
import msgspec

from arcadia_platform.backoff import Backoff
from arcadia_platform.digitalocean.config import DigitalOceanConfig
from arcadia_platform.digitalocean.errors import ProviderUnavailableError
from arcadia_platform.digitalocean.transport import Transport
from arcadia_platform.logs import get_logger

T = TypeVar("T")

log = get_logger("arcadia_platform.digitalocean")


def decode(decoder: msgspec.json.Decoder[T], response: httpx.Response) -> T:
    try:
        return decoder.decode(response.content)
    except msgspec.MsgspecError as exc:
        # A proxy's HTML page or a truncated body: the provider is not answering properly.
        raise ProviderUnavailableError(f"unexpected response body: {exc}") from exc


class ApiBase:
    """Set up by DigitalOceanClient; the call mixins only use it."""

    _api: Transport
    _config: DigitalOceanConfig
    _backoff: Backoff
    _sleep: Callable[[float], Awaitable[None]]
    _clock: Callable[[], float]

    async def _create_once(
        self,
        create: Callable[[], Awaitable[T]],
        find: Callable[[], Awaitable[T | None]],
        **context: Any,
    ) -> T:
        """Create something that must exist once, although a create may fail after working.

        An ambiguous failure (5xx, timeout) is followed by `find` before any new try; a success
        by `find` too, so that racing callers all settle on the same (oldest) resource.
        """
        attempt = 0
        while True:
            try:
                created = await create()
            except ProviderUnavailableError as exc:
                if attempt >= self._config.max_retries:
                    raise
                attempt += 1
                log.warning(
                    "digitalocean.create_unclear", reason=exc.reason, attempt=attempt, **context
                )
                await self._sleep(self._backoff.delay(attempt - 1))
                found = await find()
                if found is not None:
                    return found
                continue
            if not self._config.settle_after_create:
                return created
            # Listing may lag behind a create: then what the create answered is the answer.
            settled = await find()
            return settled if settled is not None else created
