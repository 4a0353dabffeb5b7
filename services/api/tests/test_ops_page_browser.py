"""/ops, the operators' status page, in a real headless browser (Debian's Chromium driven by
Playwright) with a whole stack behind it: a completed saga and a compensated one, dead letters (poison sent through the
real inbound screen, and one put straight into a DLQ), and an orphan droplet found by a drift
scan. An operator pastes a token; every number the page shows equals the JSON API's answer. The
token stays in sessionStorage only. A screenshot is kept in the artifacts folder."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from playwright.async_api import Browser, Page, expect

from arcadia_contracts import topics
from arcadia_testing.plugin import Infra, ServiceProcess, eventually, unique
from arcadia_testing.stack import PROVIDER_TOKEN, Stack, drop_stack, start_stack

TIMEOUT_MS = 20_000
STATUSES = ("compensating", "compensation_failed", "running", "compensated", "completed")
# Scans only when asked, and a tagged droplet is an orphan at once.
STACK_ENV = {
    "ARCADIA_INVENTORY_DRIFT_SCAN_INTERVAL_S": "0",
    "ARCADIA_INVENTORY_DRIFT_GRACE_S": "0",
}


@pytest.fixture
async def stack(infra: Infra, tmp_path: Path) -> AsyncIterator[Stack]:
    def make(args: list[str], env: dict[str, str], name: str) -> ServiceProcess:
        return ServiceProcess(args, env, tmp_path / f"{name}.log")

    running = await start_stack(infra, make, env=STACK_ENV)
    yield running
    await drop_stack(infra, running)


async def dead_letters(stack: Stack) -> None:
    """Two undecodable records on the payments topic (billing's screen dead-letters them) and
    one entry written straight into the deployments DLQ with a reason of ours."""
    producer = AIOKafkaProducer(bootstrap_servers=stack.infra.kafka, acks="all")
    await producer.start()
    try:
        for n in range(2):
            await producer.send_and_wait(
                f"{stack.namespace}.{topics.PAYMENTS}", key=b"x", value=b"not json %d" % n
            )
        await producer.send_and_wait(
            f"{stack.namespace}.{topics.dlq(topics.DEPLOYMENTS)}",
            key=b"y",
            value=b"{}",
            headers=[("dlq-reason", b"put_by_the_test")],
        )
    finally:
        await producer.stop()


async def orphan_found(client: httpx.AsyncClient, stack: Stack, operator: dict[str, str]) -> None:
    made = await client.post(
        f"{stack.sim}/v2/droplets",
        headers={"Authorization": f"Bearer {PROVIDER_TOKEN}"},
        json={
            "name": "stray",
            "region": "nyc3",
            "size": "s-1vcpu-1gb",
            "image": "ubuntu-24-04-x64",
            "tags": ["arcadia"],
        },
    )
    assert made.status_code == 202, made.text
    asked = await client.post(f"{stack.api}/api/v1/drift/scan", headers=operator)
    assert asked.status_code == 202, asked.text

    async def done() -> Any:
        scan = (
            await client.get(
                f"{stack.api}/api/v1/drift/scans/{asked.json()['id']}", headers=operator
            )
        ).json()
        return scan if scan["status"] in ("done", "failed") else None

    scan = await eventually(done, timeout_s=20, interval_s=0.2)
    assert scan["status"] == "done", scan


async def numbers(page: Page, selector: str) -> dict[str, int]:
    """The `td.count` of each row of a table, keyed by the row's `data-*` attribute."""
    found = {}
    for row in await page.locator(f"{selector} tbody tr").all():
        key = await row.get_attribute("data-status") or await row.get_attribute("data-service")
        assert key is not None
        found[key] = int(await row.locator("td.count").first.inner_text())
    return found


async def test_the_ops_page_shows_what_the_apis_say(
    stack: Stack, browser: Browser, artifacts_dir: Path
) -> None:
    operator = stack.auth("ops", operator=True)
    tenant = unique("opspage").replace("_", "-")
    async with httpx.AsyncClient(timeout=30) as client:
        deployment, saga = await stack.provision(client, tenant, "shop")
        await stack.wait_terminal(client, tenant, deployment, saga, timeout_s=45)
        # A second saga fails at create_droplet (a 422 is not retried) and is compensated.
        await stack.sim_fault(client, "droplets.create", 422, count=1)
        failed, failed_saga = await stack.provision(client, tenant, "blog")
        await stack.wait_terminal(client, tenant, failed, failed_saga, timeout_s=45)
        await dead_letters(stack)

        async def dlq() -> Any:
            body = (await client.get(f"{stack.api}/api/v1/ops/dlq", headers=operator)).json()
            return body if body["total"] == 3 else None

        summary = await eventually(dlq, timeout_s=20, interval_s=0.3)
        assert summary["complete"] is True
        assert {(c["topic"], c["reason"]): c["count"] for c in summary["counts"]} == {
            (topics.dlq(topics.PAYMENTS), "undecodable"): 2,
            (topics.dlq(topics.DEPLOYMENTS), "put_by_the_test"): 1,
        }, summary
        await orphan_found(client, stack, operator)
        await eventually(stack.quiescent, timeout_s=20, interval_s=0.3)

        context = await browser.new_context(viewport={"width": 1400, "height": 1000})
        try:
            page = await context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            await page.goto(f"{stack.api}/ops")
            await expect(page.locator("#status")).to_contain_text("Paste")
            await page.locator("#token").fill(operator["Authorization"])
            await page.locator("#load").click()
            await expect(page.locator("body[data-loaded=true]")).to_have_count(1)
            await expect(page.locator("#status")).not_to_contain_text("error")
            await page.screenshot(path=str(artifacts_dir / "ops-page.png"), full_page=True)

            sagas = (
                await client.get(f"{stack.api}/api/v1/sagas?limit=500", headers=operator)
            ).json()
            by_status = Counter(s["status"] for s in sagas["items"])
            shown = await numbers(page, "#saga-count-table")
            assert shown == {"stuck": 0} | {s: by_status.get(s, 0) for s in STATUSES}
            assert (shown["completed"], shown["compensated"]) == (1, 1)
            # Each saga with its steps, the compensated one before the completed one.
            rows = page.locator("#saga-table tbody tr")
            assert await rows.count() == len(sagas["items"]) == 2
            assert await rows.nth(0).get_attribute("data-saga") == failed_saga
            await expect(rows.nth(0)).to_contain_text("create_droplet")
            await expect(rows.nth(1).locator("td.steps .badge.succeeded")).to_have_count(8)

            assert await page.locator("#dlq-total").inner_text() == "3"
            letters = await page.locator("#dlq-table tbody tr").all_inner_texts()
            assert sorted(r.split("\t") for r in letters) == sorted(
                [c["topic"], c["reason"], str(c["count"])] for c in summary["counts"]
            )

            drift = (
                await client.get(
                    f"{stack.api}/api/v1/drift?status=open&limit=500", headers=operator
                )
            ).json()
            assert len(drift["items"]) == 1
            assert await page.locator("#drift-open").inner_text() == "1"

            audit = (await client.get(f"{stack.api}/api/v1/ops/audit", headers=operator)).json()
            lag = {g["service"]: g["lag"] for g in audit["lag"]}
            assert await numbers(page, "#service-table") == lag
            unsent = page.locator("#service-table td.unsent")
            assert await unsent.all_inner_texts() == [str(b["unsent"]) for b in audit["backlog"]]
            findings = await page.locator("#audit-findings").inner_text()
            assert findings == str(len(audit["findings"]))

            # The token is kept for the tab's session only, never in localStorage...
            kept = await page.evaluate("[sessionStorage.length, localStorage.length]")
            assert kept == [1, 0]
            # ...and a new session starts without it.
            other = await context.browser.new_context()  # type: ignore[union-attr]
            try:
                fresh = await other.new_page()
                await fresh.goto(f"{stack.api}/ops")
                await expect(fresh.locator("#status")).to_contain_text("Paste")
                assert await fresh.evaluate("sessionStorage.length") == 0
            finally:
                await other.close()
        finally:
            await context.close()
    assert (artifacts_dir / "ops-page.png").stat().st_size > 10_000
