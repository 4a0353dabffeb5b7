"""Billing's domain errors: each a business rule saying no, named by its `code`."""

from __future__ import annotations


class BillingError(Exception):
    """A business rule said no; `code` names which (problem type, saga abort reason)."""

    code = "billing_error"

    @property
    def reason(self) -> str:
        return f"{self.code}: {self}"


class UnknownPlanError(BillingError):
    code = "unknown_plan"


class PlanRetiredError(BillingError):
    code = "plan_retired"


class UnknownAddonError(BillingError):
    code = "unknown_addon"


class TenantInBadStandingError(BillingError):
    code = "tenant_bad_standing"


class InvalidTransitionError(BillingError):
    code = "invalid_transition"


class SubscriptionCancelledError(BillingError):
    code = "subscription_cancelled"


class CurrencyError(BillingError):
    code = "currency_mismatch"


class NotFoundError(BillingError):
    """Something addressed by its identifier (a path, not a reference in a body) is missing."""

    code = "not_found"


class PlanNotFoundError(NotFoundError):
    code = "plan_not_found"


class AddonNotFoundError(NotFoundError):
    code = "addon_not_found"


class SubscriptionNotFoundError(NotFoundError):
    code = "subscription_not_found"


class InvoiceNotFoundError(NotFoundError):
    code = "invoice_not_found"


class InvalidRequestError(BillingError):
    """Well-formed input that billing cannot act on (e.g. closing periods in the future)."""

    code = "invalid_request"


class ConflictError(BillingError):
    """The request is valid but the current state forbids it."""

    code = "conflict"


class AlreadyExistsError(ConflictError):
    code = "already_exists"


class DeploymentClosedError(ConflictError):
    """The deployment is cancelled or archived: it cannot be subscribed any more."""

    code = "deployment_closed"


class SubscriptionExistsError(ConflictError):
    code = "subscription_exists"
