"""Cloudsim settings, read from ARCADIA_CLOUDSIM_* environment variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ENV_PREFIX = "ARCADIA_CLOUDSIM_"


@dataclass(frozen=True)
class SimConfig:
    """How one simulator instance behaves; `token` empty means any bearer token is accepted.

    `state_file` None keeps the account in memory only; a path makes it outlive the process.
    """

    host: str = "127.0.0.1"
    """Address the simulator binds."""
    port: int = 8010
    """Port it listens on."""
    activation_delay_ms: int = 0
    """How long a new droplet stays `new` before a read turns it `active` (ms)."""
    token: str = ""
    """The only bearer token accepted; empty: any token."""
    default_hang_ms: int = 30_000
    """How long a `timeout` fault hangs when the fault does not say (ms)."""
    requests_per_minute: int = 0
    """Per-token limit ENFORCED in any 60 s window (DigitalOcean: 250); past it a request gets a
    429 with retry-after and counts as that token's breach (GET /_sim/state). 0: not enforced."""
    state_file: Path | None = None
    """File that keeps the account across restarts, saved after every change; empty: memory only."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> SimConfig:
        env = os.environ if environ is None else environ
        defaults = cls()

        def value(name: str) -> str | None:
            return env.get(ENV_PREFIX + name.upper()) or None

        return cls(
            host=value("host") or defaults.host,
            port=int(value("port") or defaults.port),
            activation_delay_ms=int(value("activation_delay_ms") or defaults.activation_delay_ms),
            token=value("token") or defaults.token,
            default_hang_ms=int(value("default_hang_ms") or defaults.default_hang_ms),
            requests_per_minute=int(value("requests_per_minute") or defaults.requests_per_minute),
            state_file=Path(state_file) if (state_file := value("state_file")) else None,
        )
