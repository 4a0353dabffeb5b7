"""The ledger: period close (idempotent), balance = sum, append-only, credits, tenancy."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import asyncpg
import msgspec
import pytest

from arcadia_contracts import Envelope
from services.billing.tests.support import BillingStack, SettableClock, ids


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


async def subscribe(billing: BillingStack, tenant: str, deployment: UUID, **extra: Any) -> None:
    body = {
        "tenant_id": tenant,
        "deployment_id": str(deployment),
        "plan_code": "studio",
        "actor": "u",
        **extra,
    }
    response = await billing.post("/subscriptions", body)
    assert response.status_code == 201, response.text


async def close(billing: BillingStack, as_of: str) -> list[dict[str, Any]]:
    response = await billing.post("/periods/close", {"as_of": as_of, "actor": "operator-1"})
    assert response.status_code == 200, response.text
    closed: list[dict[str, Any]] = response.json()["closed"]
    return closed


def mine(closed: list[dict[str, Any]], deployment: UUID) -> list[tuple[str, int]]:
    return [
        (c["period_start"], c["total_cents"])
        for c in closed
        if c["deployment_id"] == str(deployment)
    ]


async def balance(billing: BillingStack, tenant: str) -> int:
    response = await billing.get(f"/tenants/{tenant}/balance")
    assert response.status_code == 200, response.text
    (found,) = response.json()["balances"]
    assert found["tenant_id"] == tenant
    cents: int = found["balance_cents"]
    return cents


async def ledger_sum(billing: BillingStack, tenant: str) -> int:
    total = await billing.fetchval(
        "SELECT sum(amount_cents) FROM ledger_entries WHERE tenant_id = $1", tenant
    )
    return int(total)


async def test_closing_a_period_charges_plan_and_add_ons_once_however_often_it_runs(
    own_billing: BillingStack,
) -> None:
    billing, clock = own_billing, own_billing.clock
    tenant, deployment = ids()
    clock.pinned = at("2024-01-01T00:00:00")
    await subscribe(billing, tenant, deployment, addons=[{"code": "storage_50gb", "quantity": 2}])
    clock.pinned = at("2024-02-02T00:00:00")

    first = await close(billing, "2024-02-01T00:00:00Z")
    second = await close(billing, "2024-02-01T00:00:00Z")

    assert mine(first, deployment) == [("2024-01-01T00:00:00Z", 2900 + 1500)]
    assert mine(second, deployment) == []
    entries = await billing.fetch(
        "SELECT kind, amount_cents FROM ledger_entries WHERE tenant_id = $1 ORDER BY id", tenant
    )
    assert [(e["kind"], e["amount_cents"]) for e in entries] == [("charge", 2900), ("charge", 1500)]
    assert await balance(billing, tenant) == 4400 == await ledger_sum(billing, tenant)
    subscription = await billing.subscription(tenant, deployment)
    assert subscription is not None
    assert subscription["current_period_start"] == "2024-02-01T00:00:00Z"


async def test_a_late_close_catches_up_every_ended_period_and_no_more(
    own_billing: BillingStack,
) -> None:
    billing, clock = own_billing, own_billing.clock
    tenant, deployment = ids()
    clock.pinned = at("2023-01-16T09:00:00")
    await subscribe(billing, tenant, deployment)
    clock.pinned = at("2023-04-15T00:00:00")

    closed = await close(billing, "2023-04-15T00:00:00Z")

    assert mine(closed, deployment) == [
        ("2023-01-16T09:00:00Z", 1497),  # from activation: 16 of 31 days
        ("2023-02-01T00:00:00Z", 2900),
        ("2023-03-01T00:00:00Z", 2900),
    ]
    assert await balance(billing, tenant) == 1497 + 2900 + 2900
    assert mine(await close(billing, "2023-04-15T00:00:00Z"), deployment) == []


async def test_the_same_facts_closed_twice_at_once_are_charged_once(
    own_billing: BillingStack,
) -> None:
    billing, clock = own_billing, own_billing.clock
    import asyncio

    tenant, deployment = ids()
    clock.pinned = at("2022-05-01T00:00:00")
    await subscribe(billing, tenant, deployment)
    clock.pinned = at("2022-06-03T00:00:00")

    results = await asyncio.gather(
        close(billing, "2022-06-01T00:00:00Z"), close(billing, "2022-06-02T00:00:00Z")
    )

    assert sorted(len(mine(r, deployment)) for r in results) == [0, 1]
    assert await balance(billing, tenant) == 2900


async def test_periods_in_the_future_cannot_be_closed(
    billing: BillingStack, clock: SettableClock
) -> None:
    clock.pinned = at("2024-01-10T00:00:00")

    future = await billing.post(
        "/periods/close", {"as_of": "2024-02-01T00:00:00Z", "actor": "operator-1"}
    )
    naive = await billing.post(
        "/periods/close", {"as_of": "2024-01-01T00:00:00", "actor": "operator-1"}
    )

    assert (future.status_code, future.json()["code"]) == (422, "invalid_request")
    assert naive.status_code == 400


async def test_the_ledger_cannot_be_rewritten(own_billing: BillingStack) -> None:
    billing = own_billing
    tenant, deployment = ids()
    response = await billing.post(
        f"/tenants/{tenant}/credits",
        {"amount_cents": 500, "reason": "goodwill", "idempotency_key": "k1", "actor": "op"},
    )
    assert response.status_code == 201, response.text
    # A closed period of its own: the guard on closed_periods fires per row, so deleting from
    # an empty table would prove nothing.
    billing.clock.pinned = at("2024-01-01T00:00:00")
    await subscribe(billing, f"{tenant}-x", deployment)
    billing.clock.pinned = at("2024-02-02T00:00:00")
    assert mine(await close(billing, "2024-02-01T00:00:00Z"), deployment)
    conn = await billing.db()

    for statement in (
        "UPDATE ledger_entries SET amount_cents = 0 WHERE tenant_id = $1",
        "DELETE FROM ledger_entries WHERE tenant_id = $1",
    ):
        with pytest.raises(asyncpg.RaiseError, match="append-only"):
            await conn.execute(statement, tenant)
    with pytest.raises(asyncpg.RaiseError, match="append-only"):
        await conn.execute("TRUNCATE ledger_entries CASCADE")
    with pytest.raises(asyncpg.RaiseError, match="append-only"):
        await conn.execute("DELETE FROM closed_periods")
    assert await ledger_sum(billing, tenant) == -500


async def test_a_credit_with_the_same_key_is_granted_once(billing: BillingStack) -> None:
    tenant, _ = ids()
    body = {"amount_cents": 250, "reason": "outage", "idempotency_key": "outage-7", "actor": "op"}

    first = await billing.post(f"/tenants/{tenant}/credits", body)
    second = await billing.post(f"/tenants/{tenant}/credits", body)

    assert (first.json()["created"], second.json()["created"]) == (True, False)
    assert await balance(billing, tenant) == -250 == await ledger_sum(billing, tenant)


async def test_balances_are_per_tenant_and_operators_can_list_them_all(
    billing: BillingStack,
) -> None:
    a, _ = ids()
    b, _ = ids()
    for tenant, cents in ((a, 100), (b, 300)):
        await billing.post(
            f"/tenants/{tenant}/credits",
            {"amount_cents": cents, "reason": "r", "idempotency_key": "x", "actor": "op"},
        )

    only_a = (await billing.get("/balances", tenant_id=a)).json()["balances"]
    everyone = (await billing.get("/balances")).json()["balances"]
    a_ledger = (await billing.get(f"/tenants/{a}/ledger")).json()["entries"]

    assert [(x["tenant_id"], x["balance_cents"]) for x in only_a] == [(a, -100)]
    assert {(a, -100), (b, -300)} <= {(x["tenant_id"], x["balance_cents"]) for x in everyone}
    assert [e["amount_cents"] for e in a_ledger] == [-100]
    assert (await billing.get(f"/tenants/{ids()[0]}/balance")).json()["balances"] == []


async def test_a_closed_period_announces_the_next_one_to_the_gateways_read_model(
    own_billing: BillingStack,
) -> None:
    """The close moves the subscription to its next period: SubscriptionChanged says so, or the
    gateway's view would keep showing the period just charged."""
    billing, clock = own_billing, own_billing.clock
    tenant, deployment = ids()
    clock.pinned = at("2024-01-01T00:00:00")
    await subscribe(billing, tenant, deployment)
    clock.pinned = at("2024-02-02T00:00:00")
    before = await views(billing, deployment)

    assert mine(await close(billing, "2024-02-01T00:00:00Z"), deployment)
    after = await views(billing, deployment)
    await close(billing, "2024-02-01T00:00:00Z")  # nothing left to close: nothing announced

    (announced,) = after[len(before) :]
    view = announced.payload.view  # type: ignore[attr-defined]
    assert view.current_period_start == "2024-02-01T00:00:00Z"
    assert before[-1].payload.view.current_period_start == "2024-01-01T00:00:00Z"  # type: ignore[attr-defined]
    assert len(await views(billing, deployment)) == len(after)
    own = (await billing.get(f"/deployments/{deployment}/subscription", tenant_id=tenant)).json()
    assert msgspec.to_builtins(view) == own


async def views(billing: BillingStack, deployment: UUID) -> list[Envelope]:
    found = await billing.outbox(deployment, views=True)
    return [e for e in found if e.type == "SubscriptionChanged"]
