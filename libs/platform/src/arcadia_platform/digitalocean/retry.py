"""How long the server asks us to wait, per `retry-after` or `ratelimit-reset`."""

from __future__ import annotations

import email.utils

import httpx


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
