"""Request bodies of the internal API: msgspec Structs that reject unknown fields."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

CODE = r"^[a-z][a-z0-9_]{0,62}$"
Code = Annotated[str, msgspec.Meta(pattern=CODE, max_length=63)]
Currency = Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{3}$")]
Cents = Annotated[int, msgspec.Meta(ge=0, le=100_000_000_00)]
PositiveCents = Annotated[int, msgspec.Meta(ge=1, le=100_000_000_00)]
Quantity = Annotated[int, msgspec.Meta(ge=1, le=10_000)]
Version = Annotated[int, msgspec.Meta(ge=1, le=1_000_000)]
TrialDays = Annotated[int, msgspec.Meta(ge=0, le=365)]
# PostgreSQL text cannot hold NUL: refused here, as a 400, rather than failing deeper down.
PRINTABLE = r"^[^\x00]+$"
Text = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=PRINTABLE)]
TenantId = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=PRINTABLE)]
Actor = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=200,
        pattern=PRINTABLE,
        description="Who asks (the token's sub), for the audit trail",
    ),
]
Moment = Annotated[datetime, msgspec.Meta(tz=True)]


class Body(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Base of every request body."""


class AddonQuantity(Body, frozen=True, kw_only=True):
    code: Code
    quantity: Quantity = 1


class NewPlan(Body, frozen=True, kw_only=True):
    code: Code
    name: Text
    monthly_price_cents: Cents
    currency: Currency = "USD"
    droplet_size: Text
    trial_days: TrialDays = 0
    actor: Actor


class NewPlanVersion(Body, frozen=True, kw_only=True):
    monthly_price_cents: Cents
    currency: Currency = "USD"
    droplet_size: Text
    trial_days: TrialDays = 0
    effective_from: Moment | None = None
    actor: Actor


class OperatorAction(Body, frozen=True, kw_only=True):
    actor: Actor


class NewAddon(Body, frozen=True, kw_only=True):
    code: Code
    name: Text
    unit: Text
    price_cents: Cents
    currency: Currency = "USD"
    actor: Actor


class NewAddonPrice(Body, frozen=True, kw_only=True):
    price_cents: Cents
    currency: Currency = "USD"
    effective_from: Moment | None = None
    actor: Actor


class Subscribe(Body, frozen=True, kw_only=True):
    tenant_id: TenantId
    deployment_id: UUID
    plan_code: Code
    plan_version: Version | None = None
    addons: Annotated[list[AddonQuantity], msgspec.Meta(max_length=50)] = []
    actor: Actor


class ChangePlan(Body, frozen=True, kw_only=True):
    tenant_id: TenantId
    plan_code: Code
    plan_version: Version | None = None
    actor: Actor


class AttachAddons(Body, frozen=True, kw_only=True):
    tenant_id: TenantId
    addons: Annotated[list[AddonQuantity], msgspec.Meta(min_length=1, max_length=50)]
    actor: Actor


class GrantCredit(Body, frozen=True, kw_only=True):
    amount_cents: PositiveCents
    currency: Currency = "USD"
    reason: Text
    idempotency_key: Text
    actor: Actor


class ClosePeriods(Body, frozen=True, kw_only=True):
    as_of: Moment
    actor: Actor


def addon_pairs(addons: list[AddonQuantity]) -> list[tuple[str, int]]:
    return [(addon.code, addon.quantity) for addon in addons]
