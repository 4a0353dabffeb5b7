"""Request bodies of the billing endpoints: billing's own limits, unknown fields refused."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Final

import msgspec
from msgspec import Meta

# Billing's catalog codes: lowercase letter first, then letters, digits and underscores.
CATALOG_CODE: Final = r"^[a-z][a-z0-9_]{0,62}$"
CatalogCode = Annotated[str, Meta(min_length=1, max_length=63, pattern=CATALOG_CODE)]
Currency = Annotated[str, Meta(min_length=3, max_length=3, pattern=r"^[A-Z]{3}$")]
Cents = Annotated[int, Meta(ge=0, le=10_000_000_000)]
Quantity = Annotated[int, Meta(ge=1, le=10_000)]
PlanVersionNumber = Annotated[int, Meta(ge=1, le=1_000_000)]
TrialDays = Annotated[int, Meta(ge=0, le=365)]
# PostgreSQL text cannot hold NUL.
Text = Annotated[str, Meta(min_length=1, max_length=200, pattern=r"^[^\x00]+$")]
Moment = Annotated[datetime, Meta(tz=True)]


class Body(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Base of the billing request bodies. The gateway adds what callers may not choose:
    `actor` (the token's `sub`) and the tenant (the deployment's own, from the gateway's DB)."""


class AddonQuantity(Body, frozen=True, kw_only=True):
    code: CatalogCode
    quantity: Quantity = 1


class SubscribeRequest(Body, frozen=True, kw_only=True):
    """Subscribe a deployment: a plan (its current version unless `plan_version`) and add-ons."""

    plan_code: CatalogCode
    plan_version: PlanVersionNumber | None = None
    addons: Annotated[list[AddonQuantity], Meta(max_length=50)] = msgspec.field(
        default_factory=list
    )


class ChangePlanRequest(Body, frozen=True, kw_only=True):
    """Move to another plan, or another version of the same plan; prorated by day."""

    plan_code: CatalogCode
    plan_version: PlanVersionNumber | None = None


class AttachAddonsRequest(Body, frozen=True, kw_only=True):
    addons: Annotated[list[AddonQuantity], Meta(min_length=1, max_length=50)]


class NewPlanRequest(Body, frozen=True, kw_only=True):
    code: CatalogCode
    name: Text
    monthly_price_cents: Cents
    currency: Currency = "USD"
    droplet_size: Text
    trial_days: TrialDays = 0


class NewPlanVersionRequest(Body, frozen=True, kw_only=True):
    monthly_price_cents: Cents
    currency: Currency = "USD"
    droplet_size: Text
    trial_days: TrialDays = 0
    effective_from: Moment | None = None


class NewAddonRequest(Body, frozen=True, kw_only=True):
    code: CatalogCode
    name: Text
    unit: Text
    price_cents: Cents
    currency: Currency = "USD"


class NewAddonPriceRequest(Body, frozen=True, kw_only=True):
    """A new catalog price for new attachments; existing lines keep their snapshot."""

    price_cents: Cents
    currency: Currency = "USD"
    effective_from: Moment | None = None


class NoBody(Body, frozen=True, kw_only=True):
    """An action without a body: its Idempotency-Key fingerprint is its method and path."""


REQUEST_BODIES: Final[tuple[type[Body], ...]] = (
    AddonQuantity,
    SubscribeRequest,
    ChangePlanRequest,
    AttachAddonsRequest,
    NewPlanRequest,
    NewPlanVersionRequest,
    NewAddonRequest,
    NewAddonPriceRequest,
)
