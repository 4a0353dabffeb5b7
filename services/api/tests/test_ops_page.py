"""The status page's plumbing: /ops and its assets are public (no token, no CDN, a strict CSP);
GET /api/v1/ops/dlq is for operators only; the DLQ tally is pure and tested as such. The page
itself, in a browser with a whole stack behind it: test_ops_page_browser.py."""

from __future__ import annotations

import re

import httpx

from arcadia_platform.audit.dlq import DlqCount, reason_of, tally
from arcadia_testing.gateway import OPERATOR_ROLES, Gateway
from arcadia_testing.plugin import unique


def test_the_tally_counts_by_topic_and_reason_largest_first() -> None:
    entries = [("b.dlq", "undecodable"), ("a.dlq", "x"), ("b.dlq", "undecodable"), ("a.dlq", "y")]
    assert tally(entries) == [
        DlqCount("b.dlq", "undecodable", 2),
        DlqCount("a.dlq", "x", 1),
        DlqCount("a.dlq", "y", 1),
    ]
    assert tally([]) == []


def test_the_reason_is_the_dlq_reason_header_or_unknown() -> None:
    assert reason_of([("traceparent", b"00-x"), ("dlq-reason", b"invalid_payload")]) == (
        "invalid_payload"
    )
    assert reason_of([("dlq-reason", b"")]) == "unknown"
    assert reason_of(None) == "unknown"
    assert reason_of([]) == "unknown"


async def test_the_page_and_its_assets_are_public_and_local(gateway: Gateway) -> None:
    async with httpx.AsyncClient(base_url=gateway.url) as client:
        page = await client.get("/ops")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert "default-src 'self'" in page.headers["content-security-policy"]
        sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert sorted(sources) == ["/ops/assets/ops.css", "/ops/assets/ops.js"]
        for source in sources:
            asset = await client.get(source)
            assert asset.status_code == 200, source
        script = (await client.get("/ops/assets/ops.js")).text
        # The token is kept for the tab's session only.
        assert "sessionStorage" in script
        assert "localStorage" not in script


async def test_dlq_counts_are_for_operators_only(gateway: Gateway) -> None:
    tenant = unique("opsdlq")
    async with httpx.AsyncClient(base_url=gateway.url, timeout=30) as client:
        anonymous = await client.get("/api/v1/ops/dlq")
        assert anonymous.status_code == 401
        assert anonymous.headers["content-type"].startswith("application/problem+json")
        tenant_admin = await client.get("/api/v1/ops/dlq", headers=gateway.auth(tenant))
        assert tenant_admin.status_code == 403
        answer = await client.get(
            "/api/v1/ops/dlq", headers=gateway.auth(tenant, roles=OPERATOR_ROLES)
        )
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert set(body) == {"counts", "total", "read", "complete"}
        assert body["complete"] is True
        assert sum(c["count"] for c in body["counts"]) == body["read"] == body["total"]
