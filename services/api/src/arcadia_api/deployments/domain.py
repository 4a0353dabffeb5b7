"""Deployment lifecycle rules: states, the transition table, initial states, slugs. No I/O."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Final
from uuid import UUID

import msgspec


class DeploymentState(StrEnum):
    PROVISIONING = "provisioning"
    TRIAL = "trial"
    ACTIVE = "active"
    PAST_DUE = "past_due"
    PAUSED = "paused"
    SUSPENDED = "suspended"
    CANCELLED = "cancelled"
    ARCHIVED = "archived"


class LlmMode(StrEnum):
    """How the deployment reaches a language model: the platform's, the tenant's own key, none."""

    PLATFORM = "platform"
    BYOK = "byok"
    DISABLED = "disabled"


S = DeploymentState
TRANSITIONS: Final[dict[DeploymentState, frozenset[DeploymentState]]] = {
    S.PROVISIONING: frozenset({S.ACTIVE, S.CANCELLED}),
    S.TRIAL: frozenset({S.ACTIVE, S.PAST_DUE, S.PAUSED, S.SUSPENDED, S.CANCELLED}),
    S.ACTIVE: frozenset({S.PAST_DUE, S.PAUSED, S.SUSPENDED, S.CANCELLED}),
    S.PAST_DUE: frozenset({S.ACTIVE, S.SUSPENDED, S.CANCELLED}),
    S.PAUSED: frozenset({S.ACTIVE, S.SUSPENDED, S.CANCELLED}),
    # Back from a suspension: to active, or (a tenant reinstated) to the state it was in.
    S.SUSPENDED: frozenset({S.TRIAL, S.ACTIVE, S.PAST_DUE, S.PAUSED, S.CANCELLED}),
    S.CANCELLED: frozenset({S.ARCHIVED}),
    S.ARCHIVED: frozenset(),
}


class Authority(StrEnum):
    """Who makes a transition: the tenant, an operator (`platform-admin`), or the platform
    itself (the saga, billing's dunning and payments, scheduled trial ends)."""

    TENANT = "tenant"
    OPERATOR = "operator"
    SYSTEM = "system"


TEN, OPS, SYS = Authority.TENANT, Authority.OPERATOR, Authority.SYSTEM
# Beside TRANSITIONS, and with exactly its pairs: who may make each move. A tenant never undoes
# what billing or an operator decided (it cannot leave `suspended` or `past_due`), and never
# finishes a provisioning (the saga does); it may always cancel what it is paying for, except
# while suspended or past due, where that is the operator's or billing's call.
AUTHORITY: Final[dict[tuple[DeploymentState, DeploymentState], frozenset[Authority]]] = {
    (S.PROVISIONING, S.ACTIVE): frozenset({SYS}),
    (S.PROVISIONING, S.CANCELLED): frozenset({TEN, OPS, SYS}),
    (S.TRIAL, S.ACTIVE): frozenset({TEN, OPS, SYS}),
    (S.TRIAL, S.PAST_DUE): frozenset({OPS, SYS}),
    (S.TRIAL, S.PAUSED): frozenset({TEN, OPS}),
    (S.TRIAL, S.SUSPENDED): frozenset({OPS, SYS}),
    (S.TRIAL, S.CANCELLED): frozenset({TEN, OPS, SYS}),
    (S.ACTIVE, S.PAST_DUE): frozenset({OPS, SYS}),
    (S.ACTIVE, S.PAUSED): frozenset({TEN, OPS}),
    (S.ACTIVE, S.SUSPENDED): frozenset({OPS, SYS}),
    (S.ACTIVE, S.CANCELLED): frozenset({TEN, OPS, SYS}),
    (S.PAST_DUE, S.ACTIVE): frozenset({OPS, SYS}),
    (S.PAST_DUE, S.SUSPENDED): frozenset({OPS, SYS}),
    (S.PAST_DUE, S.CANCELLED): frozenset({OPS, SYS}),
    (S.PAUSED, S.ACTIVE): frozenset({TEN, OPS}),
    (S.PAUSED, S.SUSPENDED): frozenset({OPS, SYS}),
    (S.PAUSED, S.CANCELLED): frozenset({TEN, OPS, SYS}),
    # The system lifts only the suspensions it made (its holds, see deployments/holds.py).
    (S.SUSPENDED, S.TRIAL): frozenset({OPS, SYS}),
    (S.SUSPENDED, S.ACTIVE): frozenset({OPS, SYS}),
    (S.SUSPENDED, S.PAST_DUE): frozenset({OPS, SYS}),
    (S.SUSPENDED, S.PAUSED): frozenset({OPS, SYS}),
    (S.SUSPENDED, S.CANCELLED): frozenset({OPS, SYS}),
    (S.CANCELLED, S.ARCHIVED): frozenset({TEN, OPS, SYS}),
}
# Billing's default plan, when a provisioning request names none.
DEFAULT_PLAN: Final = "studio"
# A DNS label (RFC 1035, lowercase): 1-63 characters, letters, digits and inner hyphens.
DNS_LABEL: Final = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


class Deployment(msgspec.Struct, frozen=True, kw_only=True):
    """One app instance of a tenant: the billable unit."""

    id: UUID
    tenant_id: str
    slug: str
    display_name: str
    region: str
    state: DeploymentState
    llm_mode: LlmMode
    billing_action_suspended: bool
    template_code: str | None
    template_version: str | None
    created_at: datetime
    updated_at: datetime


class DeploymentEvent(msgspec.Struct, frozen=True, kw_only=True):
    """One recorded lifecycle step of a deployment (creation has no `from_state`)."""

    from_state: DeploymentState | None
    to_state: DeploymentState
    actor: str
    reason: str | None
    at: datetime


class InvalidTransitionError(Exception):
    def __init__(self, current: DeploymentState, target: DeploymentState) -> None:
        super().__init__(f"{current} -> {target} is not allowed")
        self.current = current
        self.target = target
        self.allowed = allowed_targets(current)


class TransitionForbiddenError(Exception):
    """The table allows the move, but not to this kind of actor."""

    def __init__(self, current: DeploymentState, target: DeploymentState, by: Authority) -> None:
        super().__init__(f"{current} -> {target} is not for {by}")
        self.current = current
        self.target = target
        self.by = by
        self.allowed_by = sorted(AUTHORITY[(current, target)])


class QuotaExceededError(Exception):
    """The tenant already has as many live (not cancelled, not archived) deployments as allowed."""

    def __init__(self, quota: int) -> None:
        super().__init__(
            f"the tenant already has {quota} live deployments, its quota;"
            " cancel one before creating another"
        )
        self.quota = quota


class SizeNotAllowedError(Exception):
    """A provisioning request names a droplet size its plan does not give."""

    def __init__(self, requested: str, allowed: list[str], plan_code: str) -> None:
        super().__init__(
            f"size {requested!r} is not the plan's: plan {plan_code!r} provisions"
            f" {', '.join(allowed)}; leave `size` out to get it"
        )
        self.requested = requested
        self.allowed = allowed


class InvalidSlugError(ValueError):
    def __init__(self, slug: str) -> None:
        super().__init__(f"{slug!r} is not a lowercase DNS label")
        self.slug = slug


class TrialProvisioningError(Exception):
    """A provisioned deployment starts `provisioning`, which never leads to `trial`."""


class DeploymentNotFoundError(Exception):
    def __init__(self, deployment_id: UUID) -> None:
        super().__init__(f"deployment {deployment_id} not found")
        self.deployment_id = deployment_id


class SlugTakenError(Exception):
    def __init__(self, slug: str) -> None:
        super().__init__(f"slug {slug!r} is already used by this tenant")
        self.slug = slug


def allowed_targets(current: DeploymentState) -> list[DeploymentState]:
    """The states `current` may move to, in the table's declaration order."""
    return [state for state in DeploymentState if state in TRANSITIONS[current]]


def check_transition(current: DeploymentState, target: DeploymentState) -> None:
    """Raise InvalidTransitionError unless the table allows `current -> target`."""
    if target not in TRANSITIONS[current]:
        raise InvalidTransitionError(current, target)


def check_authority(current: DeploymentState, target: DeploymentState, by: Authority) -> None:
    """Raise TransitionForbiddenError unless `by` may make the (allowed) move."""
    if by not in AUTHORITY[(current, target)]:
        raise TransitionForbiddenError(current, target, by)


def initial_state(*, provision: bool, trial: bool) -> DeploymentState:
    if provision and trial:
        raise TrialProvisioningError("a provisioned deployment cannot start as a trial")
    if provision:
        return DeploymentState.PROVISIONING
    return DeploymentState.TRIAL if trial else DeploymentState.ACTIVE


def decide_size(requested: str | None, plan_size: str | None, plan_code: str) -> str | None:
    """The droplet size of a provisioning: the plan version's. A request naming another size is
    refused; None when the plan's size is not known here (billing's reservation then carries it
    to the provisioner, which uses it over the request's)."""
    if plan_size is None:
        return requested
    if requested is not None and requested != plan_size:
        raise SizeNotAllowedError(requested, [plan_size], plan_code)
    return plan_size


def check_slug(slug: str) -> str:
    if DNS_LABEL.fullmatch(slug) is None:
        raise InvalidSlugError(slug)
    return slug
