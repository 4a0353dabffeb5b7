"""The hourly call count DigitalOcean reports in its ratelimit-* headers (informative only)."""

from __future__ import annotations

from dataclasses import dataclass

# DigitalOcean's hourly budget, reported in ratelimit-* headers (informative; not enforced).
HOURLY_LIMIT = 5000


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
