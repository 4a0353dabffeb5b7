"""One exponential backoff with full jitter, for every retry loop in the platform."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Backoff:
    """Full jitter: a uniform pick in [0, min(max_s, base_s * 2**retry)].

    Spreading each wait over the whole window (rather than around its ceiling) keeps many
    callers that failed together from retrying together. `retry` counts from 0 (the first
    retry); `jitter` is there for tests that need exact delays.
    """

    base_s: float
    max_s: float
    jitter: Callable[[], float] = field(default=random.random, compare=False)

    def ceiling(self, retry: int) -> float:
        """The longest wait before retry number `retry`."""
        return min(self.max_s, self.base_s * 2.0 ** max(0, retry))

    def delay(self, retry: int) -> float:
        return self.jitter() * self.ceiling(retry)
