"""DigitalOcean's rate limits as the simulator sees them.

- The hourly call count DigitalOcean reports in its ratelimit-* headers (informative only).
- The per-token requests-per-minute limit (DigitalOcean: 250/min), ENFORCED when configured:
  a sliding 60 s window per bearer token; a request over the limit is answered 429 before any
  work, with DigitalOcean's headers, and counted as a breach of that token (GET /_sim/state), so
  a test can see that callers sharing a token overstepped it.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

# DigitalOcean's hourly budget, reported in ratelimit-* headers (informative; not enforced).
HOURLY_LIMIT = 5000
WINDOW_S = 60.0


@dataclass
class HourlyWindow:
    """Calls counted per wall-clock hour; the caller holds the simulator's lock."""

    start: int = 0
    calls: int = 0

    def count(self, now_s: float) -> None:
        window = int(now_s) // 3600 * 3600
        if window != self.start:
            self.start, self.calls = window, 0
        self.calls += 1

    def headers(self) -> dict[str, str]:
        return {
            "ratelimit-limit": str(HOURLY_LIMIT),
            "ratelimit-remaining": str(max(0, HOURLY_LIMIT - self.calls)),
            "ratelimit-reset": str(self.start + 3600),
        }


@dataclass
class PerTokenLimit:
    """At most `per_minute` requests per token in any 60 s (0: not enforced, only counted).

    The caller holds the simulator's lock. `take` answers None when the request may go on, or
    the seconds until it could (the 429's retry-after) and counts the breach.
    """

    per_minute: int = 0
    _starts: dict[str, deque[float]] = field(default_factory=dict)
    requests: dict[str, int] = field(default_factory=dict)
    breaches: dict[str, int] = field(default_factory=dict)

    def take(self, token: str, now_s: float) -> float | None:
        self.requests[token] = self.requests.get(token, 0) + 1
        if self.per_minute <= 0:
            return None
        starts = self._starts.setdefault(token, deque())
        while starts and starts[0] <= now_s - WINDOW_S:
            starts.popleft()
        if len(starts) < self.per_minute:
            starts.append(now_s)
            return None
        self.breaches[token] = self.breaches.get(token, 0) + 1
        return starts[0] + WINDOW_S - now_s

    def headers(self, token: str, now_s: float, retry_after_s: float) -> dict[str, str]:
        """DigitalOcean's answer to a throttled request (its per-minute limit's headers)."""
        return {
            "ratelimit-limit": str(self.per_minute),
            "ratelimit-remaining": "0",
            "ratelimit-reset": str(math.ceil(now_s + retry_after_s)),
            "retry-after": str(max(1, math.ceil(retry_after_s))),
        }

    def snapshot(self) -> dict[str, object]:
        return {
            "per_minute": self.per_minute,
            "requests": dict(self.requests),
            "breaches": dict(self.breaches),
        }
