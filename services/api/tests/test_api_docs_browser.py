"""/schema in a real headless browser (Debian's Chromium driven by Playwright): Swagger UI renders
the operations from the gateway's own assets, and a bearer token pasted into Authorize lets
"Try it out" create a deployment for real. A screenshot is kept in the artifacts folder."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import httpx
from playwright.async_api import Browser, Request, expect

from arcadia_contracts import topics
from arcadia_testing.gateway import Gateway
from arcadia_testing.plugin import unique

TIMEOUT_MS = 15_000


async def test_the_schema_page_renders_and_tries_an_operation(
    gateway: Gateway, browser: Browser, artifacts_dir: Path
) -> None:
    tenant = unique("swagger")
    requests: list[Request] = []
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = await context.new_page()
        page.on("request", lambda request: requests.append(request))
        page.set_default_timeout(TIMEOUT_MS)
        await page.goto(f"{gateway.url}/schema")

        # Rendered: the main operations are on the page, under their paths.
        paths = page.locator(".opblock-summary-path")
        await expect(paths.first).to_be_visible(timeout=TIMEOUT_MS)
        shown = set(await paths.all_inner_texts())
        for path in ("/api/v1/deployments", "/api/v1/deployments/{deployment_id}/transition"):
            assert path in {p.replace("\u200b", "") for p in shown}, shown
        await page.screenshot(path=str(artifacts_dir / "api-docs-schema.png"))

        # Authorize with a bearer token, as an operator of the docs would.
        await page.locator("button.authorize").first.click()
        await page.locator(".auth-container input").first.fill(gateway.token(tenant))
        await page.locator(".auth-btn-wrapper button.authorize").click()
        await page.locator("button.btn-done").click()

        # Try it out: POST /api/v1/deployments with the first example (provision: 202).
        create = page.locator(".opblock-post").filter(
            has=page.locator('.opblock-summary-path[data-path="/api/v1/deployments"]')
        )
        await create.locator(".opblock-summary").click()
        await create.locator("button.try-out__btn").click()
        await create.locator("button.execute").click()
        status = create.locator(".live-responses-table td.response-col_status:not(.col_header)")
        await expect(status).to_have_text("202", timeout=TIMEOUT_MS)
        await status.scroll_into_view_if_needed()
        await page.screenshot(path=str(artifacts_dir / "api-docs-try-it-out.png"))

        # Every request the page made went to the gateway (no CDN); the POST carried the token.
        origin = urlsplit(gateway.url).netloc
        assert {urlsplit(r.url).netloc for r in requests} == {origin}
        sent = [r for r in requests if r.method == "POST"]
        assert len(sent) == 1
        assert (await sent[0].all_headers())["authorization"].startswith("Bearer ")
    finally:
        await context.close()

    # ...and it did create the deployment, provisioning.
    async with httpx.AsyncClient(base_url=gateway.url, headers=gateway.auth(tenant)) as client:
        items = (await client.get("/api/v1/deployments")).json()["items"]
    assert [d["state"] for d in items] == ["provisioning"]
    for shot in ("api-docs-schema.png", "api-docs-try-it-out.png"):
        assert (artifacts_dir / shot).stat().st_size > 10_000


async def test_the_asyncapi_page_reads_in_a_browser(
    gateway: Gateway, browser: Browser, artifacts_dir: Path
) -> None:
    """The same browser (one launch a session): /asyncapi renders every topic, no script."""
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = await context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        answer = await page.goto(f"{gateway.url}/asyncapi")
        assert answer is not None
        assert answer.status == 200
        rows = page.locator("table").first.locator("tr td:first-child code")
        assert sorted(await rows.all_inner_texts()) == sorted(topics.ALL_TOPICS)
        inbound = page.locator("h2", has_text="platform.payments.v1")
        await expect(inbound).to_contain_text("(inbound)")
        fields = page.locator("#payments-PaymentFailed + p + p + table.fields")
        await expect(fields).to_contain_text("amount_cents")
        await page.screenshot(path=str(artifacts_dir / "asyncapi-page.png"))
    finally:
        await context.close()
