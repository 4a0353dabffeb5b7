"""The billing cycle on real PostgreSQL and Kafka, with billing's clock in the test's hands:
periods close by themselves (once), invoices match the ledger to the cent and are settled oldest
first, dunning suspends after the grace period and a payment lifts it, trials end."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from arcadia_billing.cycle import BillingCycle
from arcadia_contracts import topics
from arcadia_contracts.events.platform import PaymentFailed, PaymentSucceeded
from services.billing.tests.support import BillingStack, event, ids

GRACE = timedelta(days=14)  # the setting's default


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def cycle(billing: BillingStack) -> BillingCycle:
    found: BillingCycle = billing.app.state.cycle
    return found


async def subscribe(billing: BillingStack, tenant: str, deployment: UUID, **extra: Any) -> None:
    body = {"tenant_id": tenant, "deployment_id": str(deployment), "plan_code": "studio"}
    response = await billing.post("/subscriptions", {**body, "actor": "u", **extra})
    assert response.status_code == 201, response.text


async def invoices(billing: BillingStack, tenant: str) -> list[dict[str, Any]]:
    response = await billing.get("/invoices", tenant_id=tenant)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["invoices"]
    return sorted(found, key=lambda i: i["period_start"])


async def billed(billing: BillingStack, tenant: str, month: str) -> int:
    """What the ledger charged and prorated for periods starting in `month` (YYYY-MM)."""
    total = await billing.fetchval(
        "SELECT coalesce(sum(amount_cents), 0) FROM ledger_entries WHERE tenant_id = $1"
        " AND kind IN ('charge', 'proration') AND to_char(period_start, 'YYYY-MM') = $2",
        tenant,
        month,
    )
    return int(total)


async def outbox_types(billing: BillingStack, deployment: UUID) -> list[str]:
    return [e.type for e in await billing.outbox(deployment)]


async def test_months_pass_each_period_closes_once_and_invoices_match_the_ledger(
    own_billing: BillingStack,
) -> None:
    billing, clock = own_billing, own_billing.clock
    tenant, first = ids()
    _, second = ids()
    clock.pinned = at("2024-01-10T12:00:00")
    await subscribe(billing, tenant, first, addons=[{"code": "storage_50gb", "quantity": 2}])
    await subscribe(billing, tenant, second)

    clock.pinned = at("2024-02-01T00:00:05")
    assert (await cycle(billing).tick()).periods == 2
    assert (await cycle(billing).tick()).periods == 0  # the same moment again: nothing

    clock.pinned = at("2024-02-16T10:00:00")  # an upgrade in February: prorated at once
    changed = await billing.post(
        f"/deployments/{first}/subscription/plan",
        {"tenant_id": tenant, "plan_code": "studio_pro", "actor": "u"},
    )
    assert changed.status_code == 200, changed.text

    clock.pinned = at("2024-03-01T01:00:00")
    assert (await cycle(billing).tick()).periods == 2

    january, february = await invoices(billing, tenant)
    assert january["total_cents"] == await billed(billing, tenant, "2024-01")
    assert february["total_cents"] == await billed(billing, tenant, "2024-02")
    # January: 22 of 31 days of studio (2900) + storage (1500), and the second studio.
    assert january["total_cents"] == 2058 + 1065 + 2058
    detail = (await billing.get(f"/invoices/{february['invoice_id']}")).json()
    assert sum(line["amount_cents"] for line in detail["lines"]) == february["total_cents"]
    assert {line["kind"] for line in detail["lines"]} == {"charge", "proration"}
    closed = await billing.fetchval(
        "SELECT count(*) FROM closed_periods c JOIN subscriptions s ON s.id = c.subscription_id"
        " WHERE s.tenant_id = $1",
        tenant,
    )
    assert closed == 4

    # A payment settles the oldest invoice first, and pays the next in part.
    paid = january["total_cents"] + 100
    payment = event(
        PaymentSucceeded(payment_id=f"p-{first.hex[:8]}", amount_cents=paid),
        tenant_id=tenant,
        producer="payments",
    )
    await billing.deliver(topics.PAYMENTS, payment)
    january, february = await invoices(billing, tenant)
    assert (january["status"], january["paid_cents"]) == ("paid", january["total_cents"])
    assert (february["status"], february["paid_cents"]) == ("open", 100)
    # Another tenant does not see them; an operator (no tenant) sees them.
    other = await billing.get(f"/invoices/{january['invoice_id']}", tenant_id="someone-else")
    assert other.status_code == 404
    assert (await billing.get(f"/invoices/{january['invoice_id']}")).status_code == 200


async def test_several_instances_catching_up_at_once_close_each_period_once(
    own_billing: BillingStack,
) -> None:
    """Downtime: three months ended unseen; three cycles run at once (as three instances)."""
    billing, clock = own_billing, own_billing.clock
    tenants = [ids() for _ in range(5)]
    clock.pinned = at("2023-05-03T00:00:00")
    for tenant, deployment in tenants:
        await subscribe(billing, tenant, deployment)
    clock.pinned = at("2023-08-02T00:00:00")

    runs = await asyncio.gather(*(cycle(billing).tick() for _ in range(3)))

    assert sum(run.periods for run in runs) == 5 * 3  # May, June, July for each
    for tenant, _ in tenants:
        assert len(await invoices(billing, tenant)) == 3
        entries = await billing.fetchval(
            "SELECT count(*) FROM ledger_entries WHERE tenant_id = $1", tenant
        )
        assert entries == 3
        total = sum(i["total_cents"] for i in await invoices(billing, tenant))
        assert total == await billing.fetchval(
            "SELECT sum(amount_cents) FROM ledger_entries WHERE tenant_id = $1", tenant
        )


async def test_a_failed_payment_suspends_after_the_grace_period_and_a_payment_lifts_it(
    own_billing: BillingStack,
) -> None:
    billing, clock = own_billing, own_billing.clock
    tenant, deployment = ids()
    start = at("2024-06-03T00:00:00")
    clock.pinned = start
    await subscribe(billing, tenant, deployment)
    failed = event(
        PaymentFailed(payment_id=f"f-{deployment.hex[:8]}", amount_cents=2900, reason="declined"),
        tenant_id=tenant,
        deployment_id=deployment,
        producer="payments",
        occurred_at=start,
    )
    await billing.deliver(topics.PAYMENTS, failed)
    assert await outbox_types(billing, deployment) == [
        "SubscriptionActivated",
        "SubscriptionPastDue",
    ]

    clock.pinned = start + GRACE - timedelta(seconds=1)
    assert (await cycle(billing).tick()).suspended == 0
    clock.pinned = start + GRACE + timedelta(seconds=1)
    assert (await cycle(billing).tick()).suspended == 1
    assert (await cycle(billing).tick()).suspended == 0  # announced once
    assert (await outbox_types(billing, deployment))[-1] == "SubscriptionSuspended"

    paid = event(
        PaymentSucceeded(payment_id=f"s-{deployment.hex[:8]}", amount_cents=2900),
        tenant_id=tenant,
        producer="payments",
    )
    await billing.deliver(topics.PAYMENTS, paid)
    assert (await outbox_types(billing, deployment))[-1] == "SubscriptionReactivated"


async def test_a_trial_ends_at_its_time_once_and_billing_starts_there(
    own_billing: BillingStack,
) -> None:
    billing, clock = own_billing, own_billing.clock
    tenant, deployment = ids()
    code = f"trial{deployment.hex[:6]}"
    clock.pinned = at("2024-04-01T00:00:00")
    plan = {
        "code": code,
        "name": "Trial plan",
        "monthly_price_cents": 3000,
        "droplet_size": "s-1vcpu-1gb",
        "trial_days": 10,
        "actor": "ops",
    }
    assert (await billing.post("/plans", plan)).status_code == 201
    clock.pinned = at("2024-04-05T08:00:00")
    await subscribe(billing, tenant, deployment, plan_code=code)

    clock.pinned = at("2024-04-14T23:59:00")
    assert (await cycle(billing).tick()).trials == 0
    clock.pinned = at("2024-04-15T00:00:01")
    assert (await cycle(billing).tick()).trials == 1
    assert (await cycle(billing).tick()).trials == 0
    ended = [e for e in await billing.outbox(deployment) if e.type == "SubscriptionTrialEnded"]
    assert len(ended) == 1

    clock.pinned = at("2024-05-01T00:00:01")
    await cycle(billing).tick()
    (invoice,) = await invoices(billing, tenant)
    assert invoice["total_cents"] == 1600  # 16 of 30 days after the trial, of 3000
