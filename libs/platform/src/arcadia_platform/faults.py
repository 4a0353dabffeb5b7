"""Crash points for failure tests: the process dies at a named point, as `kill -9` would.

`ARCADIA_<SERVICE>_FAULTS="consumer.after_commit,relay.after_publish"` makes the first pass through
each named point end the process with `os._exit(137)`: no finally blocks, no offset commit, no
graceful shutdown. `name*N` crashes on the N-th pass instead. Empty in production.
"""

from __future__ import annotations

import os
import sys


class CrashPoints:
    def __init__(self, spec: str) -> None:
        self._remaining: dict[str, int] = {}
        for item in filter(None, (part.strip() for part in spec.split(","))):
            name, _, nth = item.partition("*")
            self._remaining[name] = int(nth or "1")

    def hit(self, name: str) -> None:
        """Count a pass through `name`; die if this is the pass the spec names."""
        if name not in self._remaining:
            return
        self._remaining[name] -= 1
        if self._remaining[name] <= 0:
            sys.stdout.write(f'{{"event": "fault.crash", "point": "{name}"}}\n')
            sys.stdout.flush()
            os._exit(137)


NO_FAULTS = CrashPoints("")
