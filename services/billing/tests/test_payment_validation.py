"""Inbound payments are checked before anything is recorded; a bad one is dead-lettered."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from arcadia_billing.domain.money import Money
from arcadia_billing.handlers.payments import payment_problem
from arcadia_contracts import Envelope, decode, topics
from arcadia_contracts.events.platform import PaymentFailed, PaymentSucceeded
from arcadia_contracts.topics import dlq
from arcadia_testing.plugin import eventually, read_topic
from services.billing.tests.support import BillingStack, event, ids
from services.billing.tests.test_payment_reactions import status, subscribed


@pytest.mark.parametrize(
    ("tenant", "payment", "cents", "currency", "problem"),
    [
        ("acme", "pay_1", 4400, "USD", None),
        ("org:acme@eu-1", "pay_1", 1, "EUR", None),
        ("acme", "pay_1", 0, "USD", "not positive"),
        ("acme", "pay_1", -4400, "USD", "not positive"),
        ("acme", "pay_1", 4400, "usd", "ISO 4217"),
        ("acme", "pay_1", 4400, "DOLLARS", "ISO 4217"),
        ("", "pay_1", 4400, "USD", "tenant id"),
        ("acme corp", "pay_1", 4400, "USD", "tenant id"),
        ("-acme", "pay_1", 4400, "USD", "tenant id"),
        ("acme", "", 4400, "USD", "payment id"),
        ("acme", "p" * 201, 4400, "USD", "payment id"),
    ],
)
def test_payment_rules(
    tenant: str, payment: str, cents: int, currency: str, problem: str | None
) -> None:
    found = payment_problem(tenant, payment, Money(cents, currency))

    if problem is None:
        assert found is None
    else:
        assert found is not None
        assert problem in found


def paid(
    tenant: str, deployment: UUID, payment: str, cents: int, currency: str = "USD"
) -> Envelope:
    return event(
        PaymentSucceeded(payment_id=payment, amount_cents=cents, currency=currency),
        tenant_id=tenant,
        deployment_id=deployment,
        producer="payments",
    )


async def dead_lettered(billing: BillingStack, bad: Envelope) -> dict[str, bytes]:
    """The DLQ entry of `bad`, once it is there; its headers."""

    async def found() -> list[Any]:
        records = await read_topic(billing.kafka, billing.names.physical(dlq(topics.PAYMENTS)))
        return [r for r in records if decode(r.value).event_id == bad.event_id]

    (record,) = await eventually(found, timeout_s=30)
    return dict(record.headers)


async def payment_rows(billing: BillingStack, payment: str) -> int:
    count: int = await billing.fetchval(
        "SELECT count(*) FROM payments WHERE payment_id = $1", payment
    )
    return count


async def inbox_rows(billing: BillingStack, event_id: UUID) -> int:
    count: int = await billing.fetchval("SELECT count(*) FROM inbox WHERE event_id = $1", event_id)
    return count


@pytest.mark.parametrize("cents", [0, -4400])
async def test_a_payment_that_is_not_positive_is_dead_lettered_and_the_real_one_still_counts(
    billing: BillingStack, cents: int
) -> None:
    tenant, deployment = ids()
    bogus = paid(tenant, deployment, f"pay_{tenant}", cents)

    await billing.publish(topics.PAYMENTS, bogus)

    headers = await dead_lettered(billing, bogus)
    assert headers["dlq-reason"] == b"invalid_event"
    assert b"not positive" in headers["dlq-detail"]
    assert await payment_rows(billing, f"pay_{tenant}") == 0  # nothing recorded
    assert await inbox_rows(billing, bogus.event_id) == 0

    real = paid(tenant, deployment, f"pay_{tenant}", 4400)  # same payment id, the real amount
    await billing.deliver(topics.PAYMENTS, real)

    balance = (await billing.get(f"/tenants/{tenant}/balance")).json()["balances"]
    assert [(b["balance_cents"], b["entries"]) for b in balance] == [(-4400, 1)]


async def test_a_payment_in_a_currency_billing_never_prices_in_is_dead_lettered(
    billing: BillingStack,
) -> None:
    tenant, deployment = ids()
    foreign = paid(tenant, deployment, f"pay_{tenant}", 4400, currency="XTS")

    await billing.publish(topics.PAYMENTS, foreign)

    headers = await dead_lettered(billing, foreign)
    assert headers["dlq-reason"] == b"invalid_event"
    assert b"XTS" in headers["dlq-detail"]
    assert await payment_rows(billing, f"pay_{tenant}") == 0
    assert (await billing.get(f"/tenants/{tenant}/balance")).json()["balances"] == []


async def test_a_payment_with_a_malformed_tenant_id_is_dead_lettered(
    billing: BillingStack,
) -> None:
    _, deployment = ids()
    odd = paid("tenant with spaces", deployment, f"pay_{deployment}", 4400)

    await billing.publish(topics.PAYMENTS, odd)

    headers = await dead_lettered(billing, odd)
    assert headers["dlq-reason"] == b"invalid_event"
    assert b"tenant id" in headers["dlq-detail"]
    assert await payment_rows(billing, f"pay_{deployment}") == 0


async def test_a_failed_payment_that_is_not_positive_changes_no_subscription(
    billing: BillingStack,
) -> None:
    tenant, deployment = ids()
    await subscribed(billing, tenant, deployment)
    bogus = event(
        PaymentFailed(payment_id=f"pay_{tenant}", amount_cents=0, reason="card_declined"),
        tenant_id=tenant,
        deployment_id=deployment,
        producer="payments",
    )

    await billing.publish(topics.PAYMENTS, bogus)

    assert (await dead_lettered(billing, bogus))["dlq-reason"] == b"invalid_event"
    assert await payment_rows(billing, f"pay_{tenant}") == 0
    assert await status(billing, tenant, deployment) == "active"
