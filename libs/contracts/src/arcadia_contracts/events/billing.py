"""Events on `arcadia.billing.v1`, published by the billing service."""

from typing import Any

from arcadia_contracts.envelope import Event
from arcadia_contracts.events.deployments import ProvisioningAborted


class SubscriptionReserved(Event, frozen=True, kw_only=True):
    """Saga step 2: a pending subscription holds the plan version for the deployment."""

    subscription_id: str
    plan_code: str
    plan_version: int


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


class SubscriptionChanged(Event, frozen=True, kw_only=True):
    """Billing's whole view of one subscription after any change (reserved, activated, plan or
    add-ons changed, past due, suspended, reactivated, cancelled): the gateway's read model.
    `revision` grows with every change of any subscription, in commit order per subscription;
    `view` is the subscription as billing's internal API returns it."""

    subscription_id: str
    revision: int
    status: str
    view: dict[str, Any]


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
