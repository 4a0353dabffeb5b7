"""The identity provider's signing keys (JWKS), trusted for a bounded time.

The whole key set is cached for `ttl_s` (`ARCADIA_API_JWT_JWKS_CACHE_S`, 300 s), never key by key:
once the time is up the set is fetched again, so a key the provider removed stops verifying
within the TTL. A `kid` the cached set does not know (the provider rotated in a new key) fetches
the set at once, but at most once per `cooldown_s`, so made-up `kid`s cannot flood the provider.
The clock is injected: tests move it instead of sleeping.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import jwt


class JwksKeys:
    def __init__(
        self,
        url: str,
        *,
        ttl_s: float,
        cooldown_s: float = 30.0,
        timeout_s: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        # The fetch only (blocking urllib; callers run it in a thread): the caching is ours.
        self._client = jwt.PyJWKClient(
            url, cache_keys=False, cache_jwk_set=False, timeout=timeout_s
        )
        self._ttl_s = ttl_s
        self._cooldown_s = cooldown_s
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at: float | None = None

    @property
    def trusted_until(self) -> float:
        """On `clock`, when the set now held must be fetched again (-inf before the first)."""
        return float("-inf") if self._fetched_at is None else self._fetched_at + self._ttl_s

    def signing_key(self, token: str) -> Any:
        """The key the token's `kid` names in the current set; PyJWKClientError when none does,
        PyJWKClientConnectionError when the set cannot be fetched."""
        kid = jwt.get_unverified_header(token).get("kid")
        if not isinstance(kid, str):
            raise jwt.PyJWKClientError("the token names no key (kid)")
        with self._lock:
            now = self._clock()
            age = None if self._fetched_at is None else now - self._fetched_at
            expired = age is None or age >= self._ttl_s
            rotated = kid not in self._keys and (age is None or age >= self._cooldown_s)
            if expired or rotated:
                self._fetch(now)
            key = self._keys.get(kid)
        if key is None:
            raise jwt.PyJWKClientError(f"no signing key matches kid {kid!r}")
        return key.key

    def _fetch(self, now: float) -> None:
        key_set = self._client.get_jwk_set()
        self._keys = {
            key.key_id: key
            for key in key_set.keys
            if key.key_id and key.public_key_use in (None, "sig")
        }
        self._fetched_at = now
