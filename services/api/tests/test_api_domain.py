"""The lifecycle table, rule by rule (pure: no database, no broker)."""

from __future__ import annotations

import itertools

import pytest

from arcadia_api.deployments.domain import (
    AUTHORITY,
    TRANSITIONS,
    Authority,
    DeploymentState,
    InvalidSlugError,
    InvalidTransitionError,
    SizeNotAllowedError,
    TransitionForbiddenError,
    TrialProvisioningError,
    allowed_targets,
    check_authority,
    check_slug,
    check_transition,
    decide_size,
    initial_state,
)

S = DeploymentState
# The issue's table, written out independently of domain.TRANSITIONS.
EXPECTED = {
    (S.PROVISIONING, S.ACTIVE),
    (S.PROVISIONING, S.CANCELLED),
    (S.TRIAL, S.ACTIVE),
    (S.TRIAL, S.PAST_DUE),
    (S.TRIAL, S.PAUSED),
    (S.TRIAL, S.SUSPENDED),
    (S.TRIAL, S.CANCELLED),
    (S.ACTIVE, S.PAST_DUE),
    (S.ACTIVE, S.PAUSED),
    (S.ACTIVE, S.SUSPENDED),
    (S.ACTIVE, S.CANCELLED),
    (S.PAST_DUE, S.ACTIVE),
    (S.PAST_DUE, S.SUSPENDED),
    (S.PAST_DUE, S.CANCELLED),
    (S.PAUSED, S.ACTIVE),
    (S.PAUSED, S.SUSPENDED),
    (S.PAUSED, S.CANCELLED),
    (S.SUSPENDED, S.TRIAL),
    (S.SUSPENDED, S.ACTIVE),
    (S.SUSPENDED, S.PAST_DUE),
    (S.SUSPENDED, S.PAUSED),
    (S.SUSPENDED, S.CANCELLED),
    (S.CANCELLED, S.ARCHIVED),
}
ALL_PAIRS = list(itertools.product(DeploymentState, DeploymentState))


@pytest.mark.parametrize(("current", "target"), sorted(EXPECTED))
def test_each_allowed_transition_passes(current: S, target: S) -> None:
    check_transition(current, target)


@pytest.mark.parametrize(
    ("current", "target"), [pair for pair in ALL_PAIRS if pair not in EXPECTED]
)
def test_every_other_pair_is_refused_naming_the_allowed_targets(current: S, target: S) -> None:
    with pytest.raises(InvalidTransitionError) as refused:
        check_transition(current, target)
    assert refused.value.current is current
    assert refused.value.target is target
    assert set(refused.value.allowed) == {to for (fr, to) in EXPECTED if fr is current}


def test_the_table_has_exactly_the_issue_pairs() -> None:
    actual = {(fr, to) for fr, targets in TRANSITIONS.items() for to in targets}
    assert actual == EXPECTED
    assert set(TRANSITIONS) == set(DeploymentState)


def test_paused_cannot_be_archived_it_must_be_cancelled_first() -> None:
    with pytest.raises(InvalidTransitionError) as refused:
        check_transition(S.PAUSED, S.ARCHIVED)
    assert refused.value.allowed == [S.ACTIVE, S.SUSPENDED, S.CANCELLED]


def test_archived_is_final_and_no_state_moves_to_itself() -> None:
    assert allowed_targets(S.ARCHIVED) == []
    for state in DeploymentState:
        with pytest.raises(InvalidTransitionError):
            check_transition(state, state)


@pytest.mark.parametrize(
    ("provision", "trial", "expected"),
    [(False, False, S.ACTIVE), (False, True, S.TRIAL), (True, False, S.PROVISIONING)],
)
def test_initial_state(provision: bool, trial: bool, expected: S) -> None:
    assert initial_state(provision=provision, trial=trial) is expected


def test_a_provisioned_deployment_cannot_start_as_a_trial() -> None:
    with pytest.raises(TrialProvisioningError):
        initial_state(provision=True, trial=True)


@pytest.mark.parametrize("slug", ["a", "shop", "my-shop-2", "0", "a" * 63])
def test_dns_labels_are_valid_slugs(slug: str) -> None:
    assert check_slug(slug) == slug


@pytest.mark.parametrize(
    "slug", ["", "-shop", "shop-", "Shop", "my_shop", "shop.eu", "a" * 64, "shop\n", "café"]
)
def test_anything_else_is_not_a_slug(slug: str) -> None:
    with pytest.raises(InvalidSlugError):
        check_slug(slug)


# ------------------------------------------------------------------ who may make each move


def test_every_allowed_move_names_who_may_make_it_and_nothing_else_does() -> None:
    pairs = {(current, target) for current, targets in TRANSITIONS.items() for target in targets}
    assert set(AUTHORITY) == pairs
    assert all(AUTHORITY[pair] for pair in pairs)


@pytest.mark.parametrize("stuck", [S.SUSPENDED, S.PAST_DUE])
def test_a_tenant_cannot_leave_what_billing_or_an_operator_decided(stuck: S) -> None:
    for target in TRANSITIONS[stuck]:
        with pytest.raises(TransitionForbiddenError) as refused:
            check_authority(stuck, target, Authority.TENANT)
        assert Authority.TENANT not in refused.value.allowed_by
        check_authority(stuck, target, Authority.OPERATOR)


def test_only_the_saga_finishes_a_provisioning_though_a_tenant_may_cancel_it() -> None:
    with pytest.raises(TransitionForbiddenError) as refused:
        check_authority(S.PROVISIONING, S.ACTIVE, Authority.TENANT)
    assert refused.value.allowed_by == [Authority.SYSTEM]
    with pytest.raises(TransitionForbiddenError):
        check_authority(S.PROVISIONING, S.ACTIVE, Authority.OPERATOR)
    check_authority(S.PROVISIONING, S.ACTIVE, Authority.SYSTEM)
    check_authority(S.PROVISIONING, S.CANCELLED, Authority.TENANT)


def test_the_systems_own_moves_are_its_to_make() -> None:
    # The saga, billing's dunning and payments: none of these may be refused to the platform.
    for pair in [
        (S.PROVISIONING, S.ACTIVE),
        (S.PROVISIONING, S.CANCELLED),
        (S.ACTIVE, S.PAST_DUE),
        (S.PAST_DUE, S.ACTIVE),
        (S.PAST_DUE, S.SUSPENDED),
        (S.SUSPENDED, S.ACTIVE),  # dunning over; the system lifts only its own holds
        (S.TRIAL, S.ACTIVE),  # a trial ends
        (S.PAUSED, S.SUSPENDED),  # a tenant suspended
        (S.SUSPENDED, S.PAUSED),  # ... and reinstated
    ]:
        check_authority(*pair, Authority.SYSTEM)


def test_a_suspended_deployment_is_reinstated_by_an_operator_or_the_system_never_the_tenant() -> (
    None
):
    assert AUTHORITY[(S.SUSPENDED, S.ACTIVE)] == frozenset({Authority.OPERATOR, Authority.SYSTEM})


def test_the_plan_decides_the_droplet_size() -> None:
    assert decide_size(None, "s-1vcpu-1gb", "studio") == "s-1vcpu-1gb"
    assert decide_size("s-1vcpu-1gb", "s-1vcpu-1gb", "studio") == "s-1vcpu-1gb"
    # The plan's size unknown here (billing out of reach): the reservation decides later.
    assert decide_size("s-8vcpu-32gb", None, "studio") == "s-8vcpu-32gb"
    assert decide_size(None, None, "studio") is None
    with pytest.raises(SizeNotAllowedError) as refused:
        decide_size("s-8vcpu-32gb", "s-1vcpu-1gb", "studio")
    assert refused.value.allowed == ["s-1vcpu-1gb"]
    assert "studio" in str(refused.value)
