"""Tenant DNS labels: stable, unique per exact tenant id, valid DNS labels."""

from __future__ import annotations

import re

import pytest

from arcadia_contracts.dns import record_name, tenant_dns_label

LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


def test_ids_that_read_alike_get_different_labels() -> None:
    labels = {tenant_dns_label(t) for t in ("org:acme", "org-acme", "ORG.acme", "org_acme")}
    assert len(labels) == 4
    assert all(label.startswith("org-acme-") for label in labels)


def test_the_label_is_stable_and_readable() -> None:
    assert tenant_dns_label("acme") == tenant_dns_label("acme")
    # The first 8 hex digits of sha256("acme"), after a readable prefix.
    assert tenant_dns_label("acme") == "acme-822b33ad"
    assert record_name("shop", "acme") == "shop.acme-822b33ad"


@pytest.mark.parametrize(
    "tenant",
    ["a", "-", "::", "x" * 128, "Org@EU-1", "9" * 60 + "-", "über", "a--b", "_leading"],
)
def test_every_label_is_a_valid_dns_label(tenant: str) -> None:
    label = tenant_dns_label(tenant)
    assert LABEL.fullmatch(label), label
    assert len(label) <= 63
