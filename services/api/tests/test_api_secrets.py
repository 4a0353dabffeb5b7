"""Who can mint an operator: the built-in secret, JWKS key expiry, and operator tenants."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from arcadia_api.config import ApiSettings
from arcadia_api.http.tokens import (
    InsecureSettingsError,
    TokenRejectedError,
    TokenVerifier,
    issue_token,
    refuse_insecure,
)
from arcadia_testing.gateway import Gateway, settings_for_tests


def test_the_gateway_process_refuses_the_built_in_secret_naming_the_setting() -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("ARCADIA_ENV", "ARCADIA_API_JWT_SECRET", "ARCADIA_API_JWT_ALGORITHM")
    }
    done = subprocess.run(
        [sys.executable, "-m", "arcadia_api"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode != 0
    assert "refusing to start" in done.stderr
    assert "ARCADIA_API_JWT_SECRET" in done.stderr


def test_the_built_in_secret_is_accepted_only_in_development() -> None:
    with pytest.raises(InsecureSettingsError, match="ARCADIA_ENV=development"):
        refuse_insecure(ApiSettings.model_validate({"environment": "production"}))
    refuse_insecure(ApiSettings.model_validate({"environment": "development"}))
    # Secrets of its own (the JWT's and its service secret on billing and inventory).
    refuse_insecure(settings_for_tests(environment="production", internal_secret="s" * 32))


def test_the_built_in_service_secret_is_accepted_only_in_development() -> None:
    with pytest.raises(InsecureSettingsError, match="ARCADIA_API_INTERNAL_SECRET"):
        refuse_insecure(settings_for_tests(environment="production"))


def test_arcadia_env_is_read_unprefixed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARCADIA_ENV", "development")
    assert ApiSettings().environment == "development"


async def test_operator_role_counts_only_in_the_configured_tenants() -> None:
    settings = settings_for_tests(operator_tenants={"ops"})
    verifier = TokenVerifier(settings)

    def token(tenant: str) -> str:
        roles = ["admin", "platform-admin"]
        return issue_token(settings, tenant_id=tenant, roles=roles, sub="u", ttl_s=60)

    assert (await verifier.verify(token("ops"))).is_operator
    outsider = await verifier.verify(token("acme"))
    assert not outsider.is_operator
    assert outsider.roles == frozenset({"admin"})


# ------------------------------------------------------------------ JWKS


def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def jwk(key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    return {**public, "kid": kid, "use": "sig", "alg": "RS256"}


class KeySet:
    """A loopback JWKS endpoint whose keys a test can change, as an identity provider does."""

    def __init__(self) -> None:
        self.keys: list[dict[str, Any]] = []
        self.fetches = 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.fetches += 1
                body = json.dumps({"keys": owner.keys}).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/jwks.json"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def key_set() -> Iterator[KeySet]:
    served = KeySet()
    yield served
    served.server.shutdown()


class Clock:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def signed(settings: ApiSettings, key: rsa.RSAPrivateKey, kid: str) -> str:
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    token = issue_token(
        settings, tenant_id="acme", roles=["admin"], sub="u", ttl_s=60, private_key=pem
    )
    claims = jwt.decode(token, options={"verify_signature": False})
    return jwt.encode(claims, pem, algorithm="RS256", headers={"kid": kid})


async def refused(verifier: TokenVerifier, token: str) -> bool:
    try:
        await verifier.verify(token)
    except TokenRejectedError:
        return True
    return False


async def test_a_revoked_jwks_key_works_until_the_documented_ttl_then_never(
    key_set: KeySet,
) -> None:
    old, new = rsa_key(), rsa_key()
    key_set.keys = [jwk(old, "old")]
    # The default TTL, as the README says: 5 minutes.
    settings = ApiSettings.model_validate({"jwt_algorithm": "RS256", "jwt_jwks_url": key_set.url})
    assert settings.jwt_jwks_cache_s == 300
    clock = Clock()
    verifier = TokenVerifier(settings, clock=clock)
    old_token = signed(settings, old, "old")

    assert (await verifier.verify(old_token)).tenant_id == "acme"
    assert key_set.fetches == 1
    key_set.keys = [jwk(new, "new")]  # the provider revokes "old" and rotates in "new"

    clock.now += 299  # within the TTL the cached set is trusted, and not fetched again
    assert (await verifier.verify(old_token)).tenant_id == "acme"
    assert key_set.fetches == 1

    clock.now += 1  # the TTL is up: the set is fetched again and "old" is gone from it
    assert await refused(verifier, old_token)
    assert key_set.fetches == 2
    assert (await verifier.verify(signed(settings, new, "new"))).tenant_id == "acme"
    clock.now += 3600
    assert await refused(verifier, old_token)  # never again, however long it runs


async def test_a_rotated_in_key_is_fetched_at_once_but_unknown_kids_cannot_flood(
    key_set: KeySet,
) -> None:
    first, second = rsa_key(), rsa_key()
    key_set.keys = [jwk(first, "k1")]
    settings = ApiSettings.model_validate({"jwt_algorithm": "RS256", "jwt_jwks_url": key_set.url})
    clock = Clock()
    verifier = TokenVerifier(settings, clock=clock)
    assert not await refused(verifier, signed(settings, first, "k1"))

    for n in range(20):  # made-up kids within the cool-down: no fetch for any of them
        assert await refused(verifier, signed(settings, first, f"made-up-{n}"))
    assert key_set.fetches == 1

    key_set.keys = [jwk(first, "k1"), jwk(second, "k2")]
    clock.now += 30  # past the cool-down: an unknown kid fetches the set once
    assert not await refused(verifier, signed(settings, second, "k2"))
    assert key_set.fetches == 2


# ------------------------------------------------------------------ inputs that cannot hurt


@pytest.mark.parametrize("path", ["/drift", "/resources", "/sagas", "/tenants"])
@pytest.mark.parametrize("method", ["OPTIONS", "HEAD"])
async def test_options_and_head_never_answer_5xx(gateway: Gateway, method: str, path: str) -> None:
    async with httpx.AsyncClient(base_url=gateway.url, timeout=30) as client:
        response = await client.request(method, f"/api/v1{path}")
    assert response.status_code < 500, response.text
