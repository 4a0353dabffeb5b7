"""Inbound events from other platform services: payments and tenants."""

from arcadia_contracts.envelope import Event


class PaymentSucceeded(Event, frozen=True, kw_only=True):
    """The payments service took a payment: billing credits the tenant's ledger once per
    `payment_id` (a re-sent event is recognised and ignored)."""

    payment_id: str
    amount_cents: int
    currency: str = "USD"


class PaymentFailed(Event, frozen=True, kw_only=True):
    """A payment failed: billing moves the named deployment's subscription (or, without
    `deployment_id`, every live one of the tenant) to past due, once per `payment_id`."""

    payment_id: str
    amount_cents: int
    reason: str
    currency: str = "USD"


class TenantStandingChanged(Event, frozen=True, kw_only=True):
    """The tenants service says whether a tenant may buy more (`good` or `bad`)."""

    standing: str


class TenantSuspended(Event, frozen=True, kw_only=True):
    """The platform suspends the envelope's tenant: every live deployment of it is suspended
    (except those with the billing override set)."""

    reason: str = ""


class TenantReinstated(Event, frozen=True, kw_only=True):
    """The tenant is back: each deployment its suspension moved returns to its earlier state."""

    reason: str = ""


PaymentsEvent = PaymentSucceeded | PaymentFailed
TenantsEvent = TenantStandingChanged | TenantSuspended | TenantReinstated
