"""`arcadia token` through the CLI: the same token, messages and exit codes as before the move."""

from __future__ import annotations

import json
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from typer.testing import CliRunner

from arcadia_api.http.tokens import TokenVerifier
from arcadia_ops.cli import app, main
from arcadia_testing.gateway import TEST_SECRET, settings_for_tests

runner = CliRunner()


@pytest.fixture(autouse=True)
def secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARCADIA_API_JWT_SECRET", TEST_SECRET)


def claims(token: str) -> dict[str, object]:
    decoded: dict[str, object] = jwt.decode(token, options={"verify_signature": False})
    return decoded


def test_a_token_carries_the_requested_claims() -> None:
    result = runner.invoke(
        app, ["token", "--tenant", "acme", "--role", "admin", "--role", "platform-admin"]
    )

    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    decoded = jwt.decode(token, TEST_SECRET, algorithms=["HS256"], audience="arcadia-control-plane")
    assert decoded["tenant_id"] == "acme"
    assert decoded["roles"] == ["admin", "platform-admin"]
    assert decoded["sub"] == "arcadia-cli"


def test_the_default_role_is_admin_and_json_is_available() -> None:
    result = runner.invoke(app, ["token", "--tenant", "acme", "--sub", "me", "--json"])

    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["roles"] == ["admin"]
    assert claims(body["token"])["sub"] == "me"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tenant", "a b"], "'a b' is not a valid tenant id"),
        (["--tenant", "acme", "--ttl", "0"], "--ttl must be positive"),
    ],
)
def test_bad_input_exits_2_with_a_message(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["token", *args])

    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""


def test_a_role_that_is_not_a_slug_warns_but_still_signs() -> None:
    result = runner.invoke(app, ["token", "--tenant", "acme", "--role", "Admin"])

    assert result.exit_code == 0
    assert "not a hyphenated role slug" in result.stderr
    assert claims(result.stdout.strip())["roles"] == ["Admin"]


def test_main_returns_the_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["token", "--tenant", "acme"]) == 0
    assert claims(capsys.readouterr().out.strip())["tenant_id"] == "acme"
    assert main(["token"]) == 2  # --tenant is required


async def test_the_gateway_accepts_the_token_it_prints() -> None:
    # Moved from the gateway's old `arcadia_api.cli` tests: the token must pass the gateway's own
    # verifier, not just decode.
    result = runner.invoke(app, ["token", "--tenant", "acme", "--sub", "cli-user"])

    principal = await TokenVerifier(settings_for_tests()).verify(result.stdout.strip())
    assert (principal.tenant_id, principal.sub, principal.roles) == (
        "acme",
        "cli-user",
        frozenset({"admin"}),
    )


async def test_a_private_key_signs_for_an_rs256_gateway(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = tmp_path / "key.pem"
    pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    rs256 = settings_for_tests(jwt_algorithm="RS256", jwt_public_key=public.decode())
    monkeypatch.setenv("ARCADIA_API_JWT_ALGORITHM", "RS256")  # the CLI signs as the gateway is set

    result = runner.invoke(app, ["token", "--tenant", "acme", "--private-key", str(pem)])

    assert result.exit_code == 0, result.output
    principal = await TokenVerifier(rs256).verify(result.stdout.strip())
    assert principal.tenant_id == "acme"
