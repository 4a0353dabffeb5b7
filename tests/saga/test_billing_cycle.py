"""The billing cycle on the whole stack (real Kafka, PostgreSQL, cloudsim, every service as a
process), with billing's clock in a file the test rewrites (`ARCADIA_BILLING_CLOCK_FILE`): a
month passes and each period closes once with invoices equal to the ledger; billing killed in
the middle of a close closes nothing twice; dunning suspends after the grace period and a payment
brings the deployment back; a trial ends as `active`; a tenant is suspended and reinstated.

The tests run in file order and only ever move the clock forward."""

from __future__ import annotations

import asyncio
import tempfile
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from arcadia_contracts import Event, envelope, topics
from arcadia_contracts.events.platform import (
    PaymentFailed,
    PaymentSucceeded,
    TenantReinstated,
    TenantSuspended,
)
from arcadia_platform.topicnames import TopicNames
from arcadia_testing.plugin import SERVICE_CREDENTIAL, eventually, publish, unique
from arcadia_testing.stack import Stack
from tests.saga.conftest import PATIENT

CLOCK = Path(tempfile.gettempdir()) / f"arcadia-billing-clock-{uuid.uuid4().hex}"
GRACE = timedelta(days=3)
STACK_ENV = PATIENT | {
    "ARCADIA_BILLING_CYCLE_ENABLED": "true",
    "ARCADIA_BILLING_CYCLE_INTERVAL_S": "0.2",
    "ARCADIA_BILLING_DUNNING_GRACE_S": str(GRACE.total_seconds()),
    "ARCADIA_BILLING_CLOCK_FILE": str(CLOCK),
}


@pytest.fixture(scope="module", autouse=True)
def _clock_file() -> Iterator[None]:
    yield
    CLOCK.unlink(missing_ok=True)


def billing_now() -> datetime:
    text = CLOCK.read_text().strip() if CLOCK.exists() else ""
    return datetime.fromisoformat(text) if text else datetime.now(UTC)


def set_clock(at: datetime) -> None:
    assert at >= billing_now(), "billing's clock only moves forward"
    CLOCK.write_text(at.isoformat())


def next_month(at: datetime, hours: int = 1) -> datetime:
    first = datetime(at.year + at.month // 12, at.month % 12 + 1, 1, tzinfo=UTC)
    return first + timedelta(hours=hours)


async def provisioned(stack: Stack, client: httpx.AsyncClient, tenant: str, slug: str) -> str:
    deployment_id, saga_id = await stack.provision(client, tenant, slug)
    detail = await stack.wait_terminal(client, tenant, deployment_id, saga_id, timeout_s=90)
    assert detail["deployment"]["state"] == "active"
    return deployment_id


async def closed_periods(stack: Stack, tenant: str) -> list[dict[str, Any]]:
    return await stack.rows(
        "billing",
        "SELECT c.subscription_id, c.period_start, c.total_cents FROM closed_periods c"
        " JOIN subscriptions s ON s.id = c.subscription_id WHERE s.tenant_id = $1"
        " ORDER BY c.period_start, c.subscription_id",
        tenant,
    )


async def ledger_billed(stack: Stack, tenant: str) -> int:
    rows = await stack.rows(
        "billing",
        "SELECT coalesce(sum(amount_cents), 0)::bigint AS total FROM ledger_entries"
        " WHERE tenant_id = $1 AND kind IN ('charge', 'proration')",
        tenant,
    )
    return int(rows[0]["total"])


async def invoices(
    stack: Stack, client: httpx.AsyncClient, tenant: str, *, operator: bool = False
) -> list[dict[str, Any]]:
    params = {"tenant_id": tenant} if operator else {}
    response = await client.get(
        f"{stack.api}/api/v1/invoices",
        params=params,
        headers=stack.auth("ops" if operator else tenant, operator=operator),
    )
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["invoices"]
    return found


async def periods_closed(stack: Stack, tenant: str, count: int) -> list[dict[str, Any]]:
    async def enough() -> list[dict[str, Any]] | None:
        rows = await closed_periods(stack, tenant)
        return rows if len(rows) >= count else None

    found: list[dict[str, Any]] = await eventually(enough, timeout_s=30, interval_s=0.2)
    return found


async def state_becomes(
    stack: Stack, client: httpx.AsyncClient, tenant: str, deployment_id: str, state: str
) -> dict[str, Any]:
    async def there() -> Any:
        detail = await stack.detail(client, tenant, deployment_id)
        return detail if detail["deployment"]["state"] == state else None

    detail: dict[str, Any] = await eventually(there, timeout_s=30, interval_s=0.2)
    last: dict[str, Any] = detail["events"][-1]
    return last


async def send(
    stack: Stack, topic: str, payload: Event, tenant: str, deployment: str | None
) -> None:
    event = envelope(
        payload,
        producer="platform",
        tenant_id=tenant,
        deployment_id=uuid.UUID(deployment) if deployment else None,
    )
    await publish(stack.infra.kafka, TopicNames(stack.namespace).physical(topic), event)


async def test_a_month_passes_each_period_closes_once_and_invoices_match_the_ledger(
    stack: Stack, client: httpx.AsyncClient
) -> None:
    tenant = unique("month").replace("_", "-")
    for slug in ("shop", "blog"):
        await provisioned(stack, client, tenant, slug)
    assert await closed_periods(stack, tenant) == []

    set_clock(next_month(datetime.now(UTC)))
    first = await periods_closed(stack, tenant, 2)
    set_clock(next_month(billing_now()))
    both = await periods_closed(stack, tenant, 4)

    assert both[:2] == first
    assert len({(r["subscription_id"], r["period_start"]) for r in both}) == 4
    assert [r["total_cents"] for r in both[2:]] == [2900, 2900]  # a whole month of studio
    mine = await invoices(stack, client, tenant)
    assert len(mine) == 2
    assert sum(i["total_cents"] for i in mine) == await ledger_billed(stack, tenant)
    assert sum(r["total_cents"] for r in both) == await ledger_billed(stack, tenant)
    assert await invoices(stack, client, tenant, operator=True) == mine
    headers = stack.auth(tenant)
    page = (await client.get(f"{stack.api}/api/v1/invoices?limit=1", headers=headers)).json()
    assert page["invoices"] == mine[:1]
    cursor = {"limit": 1, "cursor": page["next_cursor"]}
    rest = await client.get(f"{stack.api}/api/v1/invoices", params=cursor, headers=headers)
    assert rest.json()["invoices"] == mine[1:]
    detail = await client.get(
        f"{stack.api}/api/v1/invoices/{mine[0]['invoice_id']}", headers=headers
    )
    assert sum(line["amount_cents"] for line in detail.json()["lines"]) == mine[0]["total_cents"]
    elsewhere = stack.auth(unique("nosy").replace("_", "-"))
    other = await client.get(
        f"{stack.api}/api/v1/invoices/{mine[0]['invoice_id']}", headers=elsewhere
    )
    assert other.status_code == 404
    assert await invoices(stack, client, unique("nobody").replace("_", "-")) == []


async def test_billing_killed_in_the_middle_of_a_close_closes_nothing_twice(
    stack: Stack, client: httpx.AsyncClient
) -> None:
    tenant = unique("crash").replace("_", "-")
    deployments = [str(uuid.uuid4()) for _ in range(3)]
    async with httpx.AsyncClient(
        base_url=f"{stack.url('billing')}/internal/v1", headers=SERVICE_CREDENTIAL
    ) as billing:
        for deployment in deployments:
            body = {"tenant_id": tenant, "deployment_id": deployment, "plan_code": "studio"}
            answer = await billing.post("/subscriptions", json={**body, "actor": "t"})
            assert answer.status_code == 201, answer.text
    proc = stack.processes["billing"]
    for point, month in (("close.before_commit", 1), ("close.after_commit*2", 2)):
        proc.stop()
        await stack.start("billing", {"ARCADIA_BILLING_FAULTS": point})
        before = await closed_periods(stack, tenant)
        set_clock(next_month(billing_now()))
        assert proc.proc is not None
        assert await asyncio.to_thread(proc.proc.wait, 60) == 137, proc.output()[-2000:]
        await stack.start("billing")  # no fault this time
        rows = await periods_closed(stack, tenant, 3 * month)
        assert len(rows) >= len(before)
        keys = [(r["subscription_id"], r["period_start"]) for r in rows]
        assert len(keys) == len(set(keys)) == 3 * month
        entries = await stack.rows(
            "billing",
            "SELECT idempotency_key FROM ledger_entries WHERE tenant_id = $1",
            tenant,
        )
        assert len(entries) == 3 * month  # one charge per subscription and period
        assert sum(i["total_cents"] for i in await invoices(stack, client, tenant)) == (
            await ledger_billed(stack, tenant)
        )


async def test_a_failed_payment_then_the_grace_period_suspends_and_a_payment_brings_it_back(
    stack: Stack, client: httpx.AsyncClient
) -> None:
    tenant = unique("dunning").replace("_", "-")
    deployment = await provisioned(stack, client, tenant, "shop")

    failed = PaymentFailed(
        payment_id=f"f-{uuid.uuid4().hex[:8]}", amount_cents=2900, reason="declined"
    )
    await send(stack, topics.PAYMENTS, failed, tenant, deployment)
    last = await state_becomes(stack, client, tenant, deployment, "past_due")
    assert (last["from_state"], last["actor"]) == ("active", "system")

    set_clock(billing_now() + GRACE + timedelta(minutes=1))
    last = await state_becomes(stack, client, tenant, deployment, "suspended")
    assert (last["from_state"], last["actor"]) == ("past_due", "system")
    assert "dunning" in last["reason"]

    paid = PaymentSucceeded(payment_id=f"p-{uuid.uuid4().hex[:8]}", amount_cents=2900)
    await send(stack, topics.PAYMENTS, paid, tenant, None)
    last = await state_becomes(stack, client, tenant, deployment, "active")
    assert (last["from_state"], last["actor"]) == ("suspended", "system")


async def test_a_trial_ends_as_active(stack: Stack, client: httpx.AsyncClient) -> None:
    tenant = unique("trial").replace("_", "-")
    code = f"trial_{uuid.uuid4().hex[:6]}"
    plan = {
        "code": code,
        "name": "Trial",
        "monthly_price_cents": 1000,
        "droplet_size": "s-1vcpu-1gb",
        "trial_days": 7,
    }
    made = await client.post(
        f"{stack.api}/api/v1/plans", json=plan, headers=stack.auth("ops", operator=True)
    )
    assert made.status_code == 201, made.text
    created = await client.post(
        f"{stack.api}/api/v1/deployments",
        json={"slug": "try", "trial": True},
        headers=stack.auth(tenant),
    )
    assert created.status_code == 201, created.text
    deployment = created.json()["id"]
    subscribed = await client.post(
        f"{stack.api}/api/v1/deployments/{deployment}/subscribe",
        json={"plan_code": code},
        headers=stack.auth(tenant),
    )
    assert subscribed.status_code == 201, subscribed.text
    assert subscribed.json()["trial_ends_at"] is not None

    set_clock(billing_now() + timedelta(days=8))
    last = await state_becomes(stack, client, tenant, deployment, "active")
    assert (last["from_state"], last["actor"], last["reason"]) == ("trial", "system", "trial ended")


async def test_a_suspended_tenant_is_reinstated_as_it_was(
    stack: Stack, client: httpx.AsyncClient
) -> None:
    tenant = unique("standing").replace("_", "-")
    shop = await provisioned(stack, client, tenant, "shop")
    paused = await provisioned(stack, client, tenant, "blog")
    pause = await client.post(
        f"{stack.api}/api/v1/deployments/{paused}/transition",
        json={"to": "paused"},
        headers=stack.auth(tenant),
    )
    assert pause.status_code == 200, pause.text

    await send(stack, topics.TENANTS, TenantSuspended(reason="terms"), tenant, None)
    for deployment in (shop, paused):
        last = await state_becomes(stack, client, tenant, deployment, "suspended")
        assert last["actor"] == "system"

    await send(stack, topics.TENANTS, TenantReinstated(), tenant, None)
    assert (await state_becomes(stack, client, tenant, shop, "active"))["actor"] == "system"
    assert (await state_becomes(stack, client, tenant, paused, "paused"))["actor"] == "system"
