"""Provider errors: transient (retry later) or final (undo), as the saga needs to tell them apart."""

from __future__ import annotations

from typing import ClassVar


class ProviderError(Exception):
    """Any failure talking to the cloud provider."""

    transient: ClassVar[bool] = False


class ProviderUnavailableError(ProviderError):
    """5xx, timeouts, connection errors or rate limiting outlasted our retries: try again later."""

    transient: ClassVar[bool] = True

    def __init__(
        self,
        reason: str,
        *,
        status: int | None = None,
        error_id: str = "",
        retry_after_s: float | None = None,
    ) -> None:
        self.reason = reason
        self.status = status
        self.error_id = error_id
        self.retry_after_s = retry_after_s
        super().__init__(f"provider unavailable: {reason}")


class ProviderRejectedError(ProviderError):
    """A 4xx other than 429: the request itself is wrong, retrying cannot help."""

    def __init__(self, status: int, error_id: str, message: str) -> None:
        self.status = status
        self.error_id = error_id
        self.message = message
        super().__init__(f"provider rejected the request ({status} {error_id}): {message}")


class DropletFailedError(ProviderError):
    """The droplet ended in a state it cannot become active from (e.g. `errored`)."""

    def __init__(self, droplet_id: int, status: str) -> None:
        self.droplet_id = droplet_id
        self.status = status
        super().__init__(f"droplet {droplet_id} is {status!r}, it will not become active")


class DropletNotActiveError(ProviderError):
    """The droplet was still not active when our wait ran out."""

    def __init__(self, droplet_id: int, status: str, waited_s: float) -> None:
        self.droplet_id = droplet_id
        self.status = status
        self.waited_s = waited_s
        super().__init__(f"droplet {droplet_id} still {status!r} after {waited_s:.1f}s")
