"""HTTP bodies: request Structs reject unknown fields; responses reuse the domain Structs."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import msgspec
from msgspec import Meta

from arcadia_api.billing.schemas import Subscription
from arcadia_api.deployments.domain import Deployment, DeploymentEvent, DeploymentState, LlmMode
from arcadia_api.saga.schemas import SagaView

# JSON Schema (ECMA) patterns that Python's `re` reads the same way. Lookalike input slipping past
# `$` (a trailing newline) is caught again by the domain's own checks.
Slug = Annotated[str, Meta(min_length=1, max_length=63, pattern=r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")]
Code = Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_.-]*$")]
Region = Annotated[str, Meta(min_length=2, max_length=32, pattern=r"^[a-z0-9][a-z0-9-]*$")]
DisplayName = Annotated[
    str, Meta(min_length=1, max_length=200, pattern=r"^[^\u0000-\u001f\u007f]+$")
]
Reason = Annotated[str, Meta(max_length=1000, pattern=r"^[^\u0000]*$")]
Quantity = Annotated[int, Meta(ge=1, le=10_000)]
# Every field that flows into an event is bounded, so an event stays far below what Kafka takes
# (the outbox refuses one that would not fit); 50 add-on lines, as billing's /subscribe allows.
MAX_ADDON_LINES = 50


class AddonRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    code: Code
    quantity: Quantity = 1


class CreateDeployment(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A new deployment. `provision: true` starts the provisioning saga (region, plan). The plan
    decides the droplet size: `size` may be left out, and naming another one is a 422
    `size-not-allowed` listing the allowed ones."""

    slug: Slug
    display_name: DisplayName | None = None
    region: Region = "nyc3"
    llm_mode: LlmMode = LlmMode.PLATFORM
    template_code: Code | None = None
    template_version: Code | None = None
    trial: bool = False
    provision: bool = False
    size: Code | None = None
    plan_code: Code | None = None
    addons: Annotated[list[AddonRequest], Meta(max_length=MAX_ADDON_LINES)] = msgspec.field(
        default_factory=list
    )


class TransitionRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    to: DeploymentState
    reason: Reason | None = None


class BillingOverrideRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    billing_action_suspended: bool
    reason: Reason | None = None


class ProvisioningStarted(msgspec.Struct, frozen=True, kw_only=True):
    """202 to a `provision: true` create: the deployment (provisioning) and its saga's id."""

    deployment: Deployment
    saga_id: UUID


class DeploymentDetail(msgspec.Struct, frozen=True, kw_only=True):
    """A deployment with its lifecycle history, its subscription and its sagas (latest in
    `saga`; every one, oldest first, in `sagas`). `subscription` is the gateway's read model of
    billing's (fed by billing's SubscriptionChanged events, seconds behind at most while the
    pipeline runs); null: billing has announced none yet. `subscription_error` is kept for
    compatibility and is always null now: the detail no longer asks billing."""

    deployment: Deployment
    # The latest lifecycle events (at most the gateway's `detail_events_limit`), oldest first;
    # `events_total` counts them all, and `events_href` pages through the whole history.
    events: list[DeploymentEvent]
    events_total: int = 0
    events_href: str = ""
    subscription: Subscription | None = None
    subscription_error: str | None = None
    saga: SagaView | None = None
    sagas: list[SagaView] = msgspec.field(default_factory=list)


class DeploymentPage(msgspec.Struct, frozen=True, kw_only=True):
    """Newest first; pass `next_cursor` back as `cursor` for the next page (null: no more)."""

    items: list[Deployment]
    next_cursor: str | None


class DeploymentEventPage(msgspec.Struct, frozen=True, kw_only=True):
    """A deployment's lifecycle history, oldest first; pass `next_cursor` back as `cursor`."""

    items: list[DeploymentEvent]
    next_cursor: str | None


class StateCounts(msgspec.Struct, frozen=True, kw_only=True):
    provisioning: int = 0
    trial: int = 0
    active: int = 0
    past_due: int = 0
    paused: int = 0
    suspended: int = 0
    cancelled: int = 0
    archived: int = 0


class TenantSummary(msgspec.Struct, frozen=True, kw_only=True):
    tenant_id: str
    deployments: int
    by_state: StateCounts


class TenantList(msgspec.Struct, frozen=True, kw_only=True):
    """A page of tenants by id; `next_cursor` (null on the last page) asks for the next."""

    items: list[TenantSummary]
    next_cursor: str | None = None
