"""Token attacks against the running gateway: each is a 401 that explains nothing."""

from __future__ import annotations

import base64
import functools
import json
import time
import warnings
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from arcadia_api.http.tokens import issue_token
from arcadia_testing.gateway import TEST_SECRET, settings_for_tests

# The attacker's HS512 token uses our (48-byte) secret; pyjwt's key-length advice is beside the point.
pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
ISS, AUD = settings_for_tests().jwt_issuer, settings_for_tests().jwt_audience


def claims(tenant: str, **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {
        "sub": "mallory",
        "tenant_id": tenant,
        "roles": ["admin", "platform-admin"],
        "iss": ISS,
        "aud": AUD,
        "iat": now,
        "exp": now + 600,
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def unsigned(payload: dict[str, Any], alg: str = "none") -> str:
    header = b64(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    return f"{header}.{b64(json.dumps(payload).encode())}."


@functools.cache
def rsa_private_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def attacks(tenant: str) -> dict[str, dict[str, str]]:
    good = claims(tenant)
    past = int(time.time()) - 3600

    def bearer(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    return {
        "missing": {},
        "bearer without a token": {"Authorization": "Bearer"},
        "basic scheme": {"Authorization": "Basic dXNlcjpwYXNz"},
        "malformed": bearer("not.a.jwt"),
        "garbage": bearer("%%%"),
        "expired": bearer(jwt.encode(claims(tenant, exp=past, iat=past - 60), TEST_SECRET)),
        "wrong signature": bearer(jwt.encode(good, "another-secret-of-sufficient-length-123")),
        "tampered payload": bearer(_tamper(jwt.encode(good, TEST_SECRET))),
        "alg none": bearer(unsigned(good)),
        "alg None capitalised": bearer(unsigned(good, alg="None")),
        "RS256 instead of HS256": bearer(jwt.encode(good, rsa_private_pem(), algorithm="RS256")),
        "HS512 with the right secret": bearer(jwt.encode(good, TEST_SECRET, algorithm="HS512")),
        "wrong issuer": bearer(jwt.encode(claims(tenant, iss="evil"), TEST_SECRET)),
        "wrong audience": bearer(jwt.encode(claims(tenant, aud="other-app"), TEST_SECRET)),
        "no exp": bearer(jwt.encode(claims(tenant, exp=None), TEST_SECRET)),
        "no tenant": bearer(jwt.encode(claims(tenant, tenant_id=None), TEST_SECRET)),
        "no sub": bearer(jwt.encode(claims(tenant, sub=None), TEST_SECRET)),
        "roles not a list": bearer(jwt.encode(claims(tenant, roles="platform-admin"), TEST_SECRET)),
        "not yet valid": bearer(
            jwt.encode(claims(tenant, nbf=int(time.time()) + 3600), TEST_SECRET)
        ),
    }


def _tamper(token: str) -> str:
    header, payload, signature = token.split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data["tenant_id"] = "someone-else"
    return f"{header}.{b64(json.dumps(data).encode())}.{signature}"


with warnings.catch_warnings():
    warnings.simplefilter("ignore", jwt.warnings.InsecureKeyLengthWarning)
    ATTACKS = sorted(attacks("x"))


@pytest.mark.parametrize("attack", ATTACKS)
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/v1/deployments", None),
        ("GET", "/api/v1/tenants", None),
        ("POST", "/api/v1/deployments", {"slug": "x", "unknown": 1}),
    ],
)
async def test_every_token_attack_is_a_401_with_no_details(
    client: httpx.AsyncClient,
    tenant: str,
    attack: str,
    method: str,
    path: str,
    body: dict[str, Any] | None,
) -> None:
    response = await client.request(method, path, json=body, headers=attacks(tenant)[attack])
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json() == {
        "type": "about:blank",
        "title": "Unauthorized",
        "status": 401,
        "detail": "Missing or invalid bearer token",
        "instance": path,
    }


async def test_the_same_claims_properly_signed_are_accepted(
    client: httpx.AsyncClient, tenant: str
) -> None:
    token = jwt.encode(claims(tenant), TEST_SECRET)
    response = await client.get("/api/v1/tenants", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_issued_tokens_carry_the_identity_apps_claims() -> None:
    token = issue_token(
        settings_for_tests(), tenant_id="acme", roles=["admin", "platform-admin"], sub="u", ttl_s=60
    )
    decoded = jwt.decode(token, TEST_SECRET, algorithms=["HS256"], audience=AUD, issuer=ISS)
    assert set(decoded) == {"sub", "tenant_id", "roles", "iss", "aud", "iat", "exp", "jti"}
    assert decoded["roles"] == ["admin", "platform-admin"]
    assert decoded["exp"] - decoded["iat"] == 60
