"""JWTs as the platform's identity app issues them: verifying them here, issuing them for dev."""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any, Final

import jwt

from arcadia_api.config import LOCAL_JWT_SECRET, ApiSettings
from arcadia_api.http.jwks import JwksKeys
from arcadia_api.http.principal import OPERATOR_ROLE, Principal
from arcadia_platform.logs import get_logger
from arcadia_platform.service_auth import InsecureSettingsError, refuse_development_secret

__all__ = ["InsecureSettingsError", "TokenRejectedError", "TokenVerifier", "issue_token"]

log = get_logger(__name__)
# Tenant ids as the identity app mints them (slugs, UUIDs, `org:...`); anything else is refused.
TENANT_ID: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}")
MIN_HMAC_KEY_BYTES: Final = 32
MAX_SUB_LENGTH: Final = 255
REQUIRED_CLAIMS: Final = ["exp", "iss", "aud", "sub", "tenant_id"]
# A verified token's principal is kept for a while: a client sends the same token with every
# request, and checking its signature and claims again was 13 % of the gateway's CPU on a read
# (py-spy, make bench-api). Never past the token's expiry, nor past the key set it was checked
# against (`jwt_jwks_cache_s`): a revoked key stops working exactly as soon as without the cache.
VERIFIED_CACHE_S: Final = 60.0
VERIFIED_CACHE_SIZE: Final = 10_000


class TokenRejectedError(Exception):
    """The token does not prove an identity. `reason` is for logs only, never for the client."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SigningKeysUnavailableError(Exception):
    """The JWKS endpoint could not be reached: the token can be neither accepted nor refused."""


def refuse_insecure(settings: ApiSettings) -> None:
    """The built-in secret is in the repository: outside development anyone could sign with it."""
    if (
        settings.jwt_algorithm == "HS256"
        and settings.jwt_secret == LOCAL_JWT_SECRET
        and settings.environment != "development"
    ):
        raise InsecureSettingsError(
            "ARCADIA_API_JWT_SECRET is not set, and the built-in development secret is public:"
            " set ARCADIA_API_JWT_SECRET (32+ random bytes) or RS256 keys"
            " (ARCADIA_API_JWT_ALGORITHM=RS256 with ARCADIA_API_JWT_JWKS_URL), or"
            " ARCADIA_ENV=development on a developer machine"
        )
    refuse_development_secret(
        "ARCADIA_API_INTERNAL_SECRET", settings.internal_secret, settings.environment
    )


class TokenVerifier:
    def __init__(
        self,
        settings: ApiSettings,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        """`clock` times the JWKS cache, `wall_clock` the tokens' expiry (tests move them)."""
        self._clock = clock
        self._wall_clock = wall_clock
        # token -> (principal, until when on `wall_clock`, until when on `clock`)
        self._verified: dict[str, tuple[Principal, float, float]] = {}
        self._algorithm = settings.jwt_algorithm
        self._issuer = settings.jwt_issuer
        self._audience = settings.jwt_audience
        self._leeway = settings.jwt_leeway_s
        self._operator_tenants = settings.operator_tenants
        self._key: str | Any = ""
        self._jwks: JwksKeys | None = None
        if self._algorithm == "HS256":
            if len(settings.jwt_secret.encode()) < MIN_HMAC_KEY_BYTES:
                raise ValueError(f"jwt_secret must be at least {MIN_HMAC_KEY_BYTES} bytes")
            self._key = settings.jwt_secret
        elif settings.jwt_jwks_url:
            # The key set is cached whole for `jwt_jwks_cache_s`, never key by key: a per-`kid`
            # cache would keep a revoked key working until the gateway restarts.
            self._jwks = JwksKeys(
                settings.jwt_jwks_url, ttl_s=settings.jwt_jwks_cache_s, clock=clock
            )
        elif settings.jwt_public_key:
            self._key = settings.jwt_public_key  # PEM
        else:
            raise ValueError("RS256 needs jwt_public_key or jwt_jwks_url")

    async def verify(self, token: str) -> Principal:
        """The principal the token proves; TokenRejectedError for any doubt at all."""
        wall, mono = self._wall_clock(), self._clock()
        cached = self._verified.get(token)
        if cached is not None and wall < cached[1] and mono < cached[2]:
            return cached[0]
        principal, expires_at = await self._verify(token)
        if len(self._verified) >= VERIFIED_CACHE_SIZE:
            self._verified.clear()  # rare (10,000 live tokens in a minute): start again
        keys_until = self._jwks.trusted_until if self._jwks is not None else float("inf")
        self._verified[token] = (
            principal,
            expires_at + self._leeway,
            min(mono + VERIFIED_CACHE_S, keys_until),
        )
        return principal

    async def _verify(self, token: str) -> tuple[Principal, float]:
        try:
            key = await self._signing_key(token)
            claims = jwt.decode(
                token,
                key,
                algorithms=[self._algorithm],
                audience=self._audience,
                issuer=self._issuer,
                leeway=self._leeway,
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.PyJWKClientConnectionError as exc:
            raise SigningKeysUnavailableError(str(exc)) from exc
        except (jwt.PyJWTError, ValueError, TypeError) as exc:
            raise TokenRejectedError(f"{type(exc).__name__}: {exc}") from exc
        principal = principal_from_claims(claims)
        expires_at = float(claims["exp"])
        if (
            OPERATOR_ROLE in principal.roles
            and self._operator_tenants
            and principal.tenant_id not in self._operator_tenants
        ):
            log.warning("auth.operator_role_ignored", tenant_id=principal.tenant_id)
            roles = principal.roles - {OPERATOR_ROLE}
            return Principal(principal.sub, principal.tenant_id, roles), expires_at
        return principal, expires_at

    async def _signing_key(self, token: str) -> Any:
        if self._jwks is None:
            return self._key
        # The key set is fetched with blocking urllib: keep it off the event loop.
        return await asyncio.to_thread(self._jwks.signing_key, token)


def principal_from_claims(claims: dict[str, Any]) -> Principal:
    sub, tenant_id, roles = claims.get("sub"), claims.get("tenant_id"), claims.get("roles", [])
    if not (isinstance(sub, str) and _is_clean_text(sub, MAX_SUB_LENGTH)):
        raise TokenRejectedError("sub is not a printable string")
    if not (isinstance(tenant_id, str) and TENANT_ID.fullmatch(tenant_id)):
        raise TokenRejectedError("tenant_id is malformed")
    if not (isinstance(roles, list) and all(isinstance(role, str) for role in roles)):
        raise TokenRejectedError("roles is not a list of strings")
    return Principal(sub=sub, tenant_id=tenant_id, roles=frozenset(roles))


def _is_clean_text(value: str, max_length: int) -> bool:
    """Non-empty, printable, and storable as UTF-8 (JSON lets lone surrogates through)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return 0 < len(value) <= max_length and value.isprintable()


def issue_token(
    settings: ApiSettings,
    *,
    tenant_id: str,
    roles: Sequence[str],
    sub: str,
    ttl_s: int,
    private_key: str | None = None,
    now: float | None = None,
) -> str:
    """A token shaped like the identity app's, signed with the configured key (dev and tests)."""
    issued = int(time.time() if now is None else now)
    claims = {
        "sub": sub,
        "tenant_id": tenant_id,
        "roles": list(roles),
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": issued,
        "exp": issued + ttl_s,
        "jti": str(uuid.uuid4()),
    }
    if settings.jwt_algorithm == "HS256":
        return jwt.encode(claims, settings.jwt_secret, algorithm="HS256")
    if private_key is None:
        raise ValueError("RS256 tokens need the identity app's private key")
    return jwt.encode(claims, private_key, algorithm="RS256")
