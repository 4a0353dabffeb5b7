"""The saga table: every step named once, done by a registered event on its performer's topic."""

from __future__ import annotations

from arcadia_contracts.codec import REGISTRY, TOPIC_EVENTS
from arcadia_contracts.events.billing import SubscriptionCompensated
from arcadia_contracts.events.deployments import CompensationFailed, ProvisioningAborted
from arcadia_contracts.events.inventory import ResourceReleased
from arcadia_contracts.events.provisioner import DnsReverted, DropletDestroyed
from arcadia_contracts.saga import (
    COMPENSATION_REPORTS,
    PROVISION,
    STEPS,
    TEARDOWN,
    TOPIC_OF,
    SagaStep,
    Service,
)


def test_every_step_has_exactly_one_row() -> None:
    rows = [spec.step for spec in (*PROVISION, *TEARDOWN)]
    assert len(rows) == len(set(rows))
    assert set(rows) == set(SagaStep)
    assert set(STEPS) == set(SagaStep)


def test_step_names_are_the_strings_on_the_wire() -> None:
    # ProvisioningAborted.failed_step and the api's saga table carry these exact strings.
    assert [str(spec.step) for spec in PROVISION] == [
        "mark_provisioning",
        "reserve_subscription",
        "create_droplet",
        "wait_droplet_active",
        "register_inventory",
        "link_resource",
        "point_dns",
        "activate_deployment",
    ]
    assert [str(spec.step) for spec in TEARDOWN] == [
        "remove_dns",
        "destroy_droplet",
        "release_resource",
        "cancel_subscription",
    ]


def test_every_done_event_is_registered_and_carried_by_its_performers_topic() -> None:
    registered = set(REGISTRY.event_types())
    for spec in STEPS.values():
        assert spec.done in registered, spec.step
        assert spec.done in TOPIC_EVENTS[spec.topic], (spec.step, spec.topic)


def test_each_provisioning_step_marks_its_own_done_event() -> None:
    done = [spec.done for spec in PROVISION]
    assert len(done) == len(set(done))


def test_every_compensation_is_registered_and_carried_by_its_performers_topic() -> None:
    for spec in STEPS.values():
        if spec.compensated_by is not None:
            assert spec.compensated_by in REGISTRY.event_types(), spec.step
            assert spec.compensated_by in TOPIC_EVENTS[spec.topic], (spec.step, spec.topic)


def test_every_participant_step_is_undone_by_a_report_or_by_an_earlier_step() -> None:
    order = [spec.step for spec in PROVISION]
    for spec in PROVISION:
        if spec.service is Service.API:
            # the api undoes its own steps in its saga record: no report travels
            assert spec.compensated_by is None
            assert spec.covered_by is None
            continue
        assert (spec.compensated_by is None) != (spec.covered_by is None), spec.step
        if spec.covered_by is not None:
            cover = STEPS[spec.covered_by]
            assert cover.compensated_by is not None
            assert cover.service is spec.service
            assert order.index(cover.step) < order.index(spec.step)


def test_the_compensation_reports_are_one_per_participant_undo() -> None:
    assert set(COMPENSATION_REPORTS) == {
        SubscriptionCompensated,
        DropletDestroyed,
        DnsReverted,
        ResourceReleased,
    }


def test_teardown_steps_are_never_compensated() -> None:
    for spec in TEARDOWN:
        assert spec.compensated_by is None
        assert spec.covered_by is None


def test_every_service_publishes_on_its_own_topic_and_can_abort() -> None:
    assert len(set(TOPIC_OF.values())) == len(Service)
    for topic in TOPIC_OF.values():
        assert ProvisioningAborted in TOPIC_EVENTS[topic], topic


def test_only_the_provisioner_reports_a_failed_compensation() -> None:
    carriers = {topic for topic, events in TOPIC_EVENTS.items() if CompensationFailed in events}
    assert carriers == {TOPIC_OF[Service.PROVISIONER]}
