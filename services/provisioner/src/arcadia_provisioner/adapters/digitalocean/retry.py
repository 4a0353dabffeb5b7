"""How long to wait before another try: jittered exponential backoff, or the server's retry-after."""

from __future__ import annotations

import email.utils
from collections.abc import Callable
from dataclasses import dataclass

import httpx


@dataclass(frozen=True)
class Backoff:
    """Full jitter: a uniform pick in [0, min(cap, base * 2**attempt)], so retries spread out."""

    base_s: float
    max_s: float
    random: Callable[[], float]

    def delay(self, attempt: int) -> float:
        return self.random() * min(self.max_s, self.base_s * 2.0**attempt)


def retry_after_s(response: httpx.Response, now_epoch: float) -> float | None:
    """Seconds to wait per `retry-after` (seconds or HTTP date), else per `ratelimit-reset`."""
    value = response.headers.get("retry-after")
    if value is not None:
        try:
            return max(0.0, float(value))
        except ValueError:
            try:
                return max(0.0, email.utils.parsedate_to_datetime(value).timestamp() - now_epoch)
            except (TypeError, ValueError):
                pass
    reset = response.headers.get("ratelimit-reset")
    if reset is not None:
        try:
            return max(0.0, float(reset) - now_epoch)
        except ValueError:
            return None
    return None
