"""TokenVerifier with RS256: a configured public key, or keys fetched from a JWKS URL."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

from arcadia_api.http.principal import Principal
from arcadia_api.http.tokens import (
    SigningKeysUnavailableError,
    TokenRejectedError,
    TokenVerifier,
    issue_token,
)
from arcadia_testing.gateway import settings_for_tests
from arcadia_testing.ports import refusing_port


def new_key() -> RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def pem(key: RSAPrivateKey) -> tuple[str, str]:
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


@pytest.fixture(scope="module")
def keys() -> tuple[RSAPrivateKey, RSAPrivateKey]:
    return new_key(), new_key()


def rs256_token(key: RSAPrivateKey, kid: str | None = None, **claims: Any) -> str:
    settings = settings_for_tests()
    now = int(time.time())
    payload = {
        "sub": "u1",
        "tenant_id": "acme",
        "roles": ["admin"],
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "exp": now + 60,
        **claims,
    }
    headers = {"kid": kid} if kid else None
    return jwt.encode(payload, pem(key)[0], algorithm="RS256", headers=headers)


async def test_rs256_with_a_public_key_accepts_its_own_tokens_only(
    keys: tuple[RSAPrivateKey, RSAPrivateKey],
) -> None:
    ours, theirs = keys
    settings = settings_for_tests(jwt_algorithm="RS256", jwt_public_key=pem(ours)[1])
    verifier = TokenVerifier(settings)

    principal = await verifier.verify(rs256_token(ours))

    assert principal == Principal(sub="u1", tenant_id="acme", roles=frozenset({"admin"}))
    with pytest.raises(TokenRejectedError):
        await verifier.verify(rs256_token(theirs))
    with pytest.raises(TokenRejectedError):
        await verifier.verify(hs256_signed_with(pem(ours)[1], settings.jwt_issuer))


def hs256_signed_with(public_pem: str, issuer: str) -> str:
    """The key-confusion forgery: HS256 with the (public!) RSA key as the HMAC secret."""
    settings = settings_for_tests()

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).decode().rstrip("=")

    header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    claims: dict[str, Any] = {"sub": "u1", "tenant_id": "acme", "roles": ["platform-admin"]}
    claims |= {"iss": issuer, "aud": settings.jwt_audience, "exp": int(time.time()) + 60}
    payload = b64(json.dumps(claims).encode())
    mac = hmac.new(public_pem.encode(), f"{header}.{payload}".encode(), hashlib.sha256)
    return f"{header}.{payload}.{b64(mac.digest())}"


async def test_the_cli_signs_rs256_with_the_identity_apps_private_key(
    keys: tuple[RSAPrivateKey, RSAPrivateKey],
) -> None:
    private, public = pem(keys[0])
    settings = settings_for_tests(jwt_algorithm="RS256", jwt_public_key=public)
    token = issue_token(
        settings,
        tenant_id="acme",
        roles=["platform-admin"],
        sub="op",
        ttl_s=60,
        private_key=private,
    )
    assert (await TokenVerifier(settings).verify(token)).is_operator


class _Jwks(BaseHTTPRequestHandler):
    document: bytes = b"{}"
    status: int = 200

    def do_GET(self) -> None:
        self.send_response(self.status)
        self.send_header("content-type", "application/json")
        self.end_headers()
        self.wfile.write(self.document)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def jwks_server(keys: tuple[RSAPrivateKey, RSAPrivateKey]) -> Iterator[str]:
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(keys[0].public_key()))
    _Jwks.document = json.dumps(
        {"keys": [{**jwk, "kid": "k1", "alg": "RS256", "use": "sig"}]}
    ).encode()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Jwks)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
    server.shutdown()


async def test_rs256_with_a_jwks_url_picks_the_key_by_kid(
    jwks_server: str, keys: tuple[RSAPrivateKey, RSAPrivateKey]
) -> None:
    ours, theirs = keys
    verifier = TokenVerifier(settings_for_tests(jwt_algorithm="RS256", jwt_jwks_url=jwks_server))

    assert (await verifier.verify(rs256_token(ours, kid="k1"))).tenant_id == "acme"
    with pytest.raises(TokenRejectedError):
        await verifier.verify(rs256_token(theirs, kid="k1"))
    with pytest.raises(TokenRejectedError):
        await verifier.verify(rs256_token(ours, kid="unknown"))
    with pytest.raises(TokenRejectedError):
        await verifier.verify("garbage")


async def test_an_unreachable_jwks_url_is_not_blamed_on_the_token(
    keys: tuple[RSAPrivateKey, RSAPrivateKey],
) -> None:
    verifier = TokenVerifier(
        settings_for_tests(
            jwt_algorithm="RS256", jwt_jwks_url=f"http://127.0.0.1:{refusing_port()}/jwks.json"
        )
    )
    with pytest.raises(SigningKeysUnavailableError):
        await verifier.verify(rs256_token(keys[0], kid="k1"))


@pytest.mark.parametrize(
    "overrides",
    [
        {"jwt_secret": "short"},
        {"jwt_algorithm": "RS256"},  # neither a public key nor a JWKS URL
    ],
)
def test_a_verifier_is_not_built_from_unusable_settings(overrides: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="jwt_"):
        TokenVerifier(settings_for_tests(**overrides))


@pytest.mark.parametrize(
    "claims",
    [
        {"sub": ""},
        {"sub": "a\x00b"},
        {"sub": "\ud800"},
        {"tenant_id": ""},
        {"tenant_id": "acme corp"},
        {"tenant_id": "x" * 200},
        {"tenant_id": 42},
        {"roles": [1, 2]},
    ],
)
async def test_claims_that_cannot_name_a_principal_are_rejected(
    keys: tuple[RSAPrivateKey, RSAPrivateKey], claims: dict[str, Any]
) -> None:
    settings = settings_for_tests(jwt_algorithm="RS256", jwt_public_key=pem(keys[0])[1])
    with pytest.raises(TokenRejectedError):
        await TokenVerifier(settings).verify(rs256_token(keys[0], **claims))


def count_decodes(monkeypatch: pytest.MonkeyPatch, *, expire_after: int | None = None) -> list[str]:
    """The tokens PyJWT is asked to decode, in order; past `expire_after` decodes, each one
    answers as PyJWT would for an expired token."""
    decodes: list[str] = []
    real_decode = jwt.decode

    def counting_decode(*args: Any, **kwargs: Any) -> Any:
        decodes.append(args[0])
        if expire_after is not None and len(decodes) > expire_after:
            raise jwt.ExpiredSignatureError("Signature has expired")
        return real_decode(*args, **kwargs)

    monkeypatch.setattr("arcadia_api.http.tokens.jwt.decode", counting_decode)
    return decodes


class MovableClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def test_a_verified_token_is_checked_again_only_after_a_minute(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The cache of verified tokens: the signature is checked once per token and minute."""
    settings = settings_for_tests()
    mono = MovableClock(1000.0)
    verifier = TokenVerifier(settings, clock=mono)
    token = issue_token(settings, tenant_id="acme", roles=["admin"], sub="u1", ttl_s=3600)
    decodes = count_decodes(monkeypatch)
    for _ in range(5):
        assert (await verifier.verify(token)).tenant_id == "acme"
    assert len(decodes) == 1
    mono.now += 59.9
    await verifier.verify(token)
    assert len(decodes) == 1
    mono.now += 0.1
    await verifier.verify(token)
    assert len(decodes) == 2
    # Another token is never answered from this one's entry.
    other = issue_token(settings, tenant_id="globex", roles=[], sub="u2", ttl_s=3600)
    assert (await verifier.verify(other)).tenant_id == "globex"
    assert len(decodes) == 3


async def test_a_cached_token_is_checked_again_once_it_expires(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The cache never outlives the token: past `exp` (and the leeway the decoder allows) the
    full check runs again, and it is what refuses an expired token."""
    settings = settings_for_tests()
    wall = MovableClock(time.time())
    verifier = TokenVerifier(settings, wall_clock=wall)
    token = issue_token(settings, tenant_id="acme", roles=["admin"], sub="u1", ttl_s=30)
    # After the first decode, PyJWT answers as it would on the real clock 31 s + leeway later.
    decodes = count_decodes(monkeypatch, expire_after=1)
    assert (await verifier.verify(token)).tenant_id == "acme"
    wall.now += 30 + settings.jwt_leeway_s - 1
    assert (await verifier.verify(token)).tenant_id == "acme"  # from the cache
    assert len(decodes) == 1
    wall.now += 2
    with pytest.raises(TokenRejectedError):
        await verifier.verify(token)
    assert len(decodes) == 2
