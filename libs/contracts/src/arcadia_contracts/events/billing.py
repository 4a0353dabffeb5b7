"""Events on `arcadia.billing.v1`, published by the billing service."""

import msgspec

from arcadia_contracts.envelope import Event
from arcadia_contracts.events.deployments import ProvisioningAborted


class SubscriptionReserved(Event, frozen=True, kw_only=True):
    """Saga step 2: a pending subscription holds the plan version for the deployment."""

    subscription_id: str
    plan_code: str
    plan_version: int
    # The droplet size of the reserved plan version: the plan decides the hardware, and the
    # provisioner creates the droplet at this size (null from a billing that predates it: the
    # request's size then).
    droplet_size: str | None = None


class SubscriptionCompensated(Event, frozen=True, kw_only=True):
    """The pending subscription of an aborted saga was cancelled."""

    subscription_id: str | None


class SubscriptionActivated(Event, frozen=True, kw_only=True):
    subscription_id: str


class SubscriptionCancelled(Event, frozen=True, kw_only=True):
    subscription_id: str


class SubscriptionPastDue(Event, frozen=True, kw_only=True):
    """A payment failed: the gateway should move the deployment to `past_due`."""

    subscription_id: str
    reason: str


class SubscriptionTrialEnded(Event, frozen=True, kw_only=True):
    """The trial is over (`trial_ends_at` passed): the gateway moves a `trial` deployment to
    `active`; billing charges from the trial's end."""

    subscription_id: str
    trial_ended_at: str


class SubscriptionSuspended(Event, frozen=True, kw_only=True):
    """Dunning: the subscription stayed past due for the grace period; the gateway suspends the
    deployment (unless the billing override is set)."""

    subscription_id: str
    reason: str


class SubscriptionReactivated(Event, frozen=True, kw_only=True):
    """Dunning is over (a payment succeeded): the gateway moves the deployment back to
    `active` from `past_due`, or from the `suspended` that dunning caused."""

    subscription_id: str
    reason: str


class PlanVersionView(msgspec.Struct, frozen=True, kw_only=True):
    """A plan version as a subscription holds it (times: ISO 8601)."""

    plan_code: str
    version: int
    monthly_price_cents: int
    currency: str
    droplet_size: str
    trial_days: int
    effective_from: str
    retired_at: str | None


class AddonLineView(msgspec.Struct, frozen=True, kw_only=True):
    """An add-on line, its unit price snapshotted when attached."""

    line_id: str
    code: str
    unit_price_cents: int
    currency: str
    quantity: int
    monthly_cents: int
    attached_at: str


class SubscriptionView(msgspec.Struct, frozen=True, kw_only=True):
    """A subscription as billing's internal API returns it (times: ISO 8601)."""

    subscription_id: str
    tenant_id: str
    deployment_id: str
    status: str
    plan: PlanVersionView
    addons: list[AddonLineView]
    monthly_total_cents: int
    currency: str
    current_period_start: str | None
    current_period_end: str | None
    trial_ends_at: str | None
    saga_id: str | None
    created_at: str
    activated_at: str | None
    cancelled_at: str | None


class SubscriptionChanged(Event, frozen=True, kw_only=True):
    """Billing's whole view of one subscription after any change (reserved, activated, plan or
    add-ons changed, past due, suspended, reactivated, cancelled): the gateway's read model.
    `revision` grows with every change of any subscription, in commit order per subscription;
    `view` is the subscription as billing's internal API returns it."""

    subscription_id: str
    revision: int
    status: str
    view: SubscriptionView


BillingEvent = (
    SubscriptionReserved
    | SubscriptionCompensated
    | SubscriptionActivated
    | SubscriptionCancelled
    | SubscriptionPastDue
    | SubscriptionTrialEnded
    | SubscriptionSuspended
    | SubscriptionReactivated
    | SubscriptionChanged
    | ProvisioningAborted
)
