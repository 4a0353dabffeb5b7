"""The CLI proves itself to every service's internal API as `ops`, with its own secret."""

from __future__ import annotations

import pytest

from arcadia_ops.places import Places
from arcadia_ops.services import _headers
from arcadia_platform.service_auth import DEV_SERVICE_SECRET, HEADER


@pytest.mark.parametrize("service", ["billing", "inventory", "provisioner"])
def test_the_cli_sends_its_service_secret_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, service: str
) -> None:
    monkeypatch.setenv("ARCADIA_OPS_SERVICE_SECRET", "s" * 40)
    assert _headers(Places(), service) == {HEADER: "ops:" + "s" * 40}


def test_the_gateway_also_gets_an_operator_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ARCADIA_OPS_SERVICE_SECRET", raising=False)
    headers = _headers(Places(api_token="tok"), "api")
    assert headers == {HEADER: f"ops:{DEV_SERVICE_SECRET}", "Authorization": "Bearer tok"}
