"""The saga record's rules, without I/O: order-independence, aborts, reports, deadlines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from arcadia_api.saga.model import Saga
from arcadia_api.saga.steps import COMPENSATION_REPORTS, SagaStatus, StepStatus

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
STEP = timedelta(seconds=30)


def new_saga() -> Saga:
    return Saga.provision(
        uuid4(), uuid4(), "acme", T0, saga_timeout=timedelta(minutes=5), step_timeout=STEP
    )


def statuses(saga: Saga) -> dict[str, StepStatus]:
    return {s.name: s.status for s in saga.steps}


def test_a_new_saga_has_done_step_one_and_runs_step_two() -> None:
    saga = new_saga()
    assert statuses(saga)["mark_provisioning"] is StepStatus.SUCCEEDED
    assert statuses(saga)["reserve_subscription"] is StepStatus.RUNNING
    assert saga.step("reserve_subscription").deadline_at == T0 + STEP


def test_a_later_success_arriving_first_marks_the_steps_before_it() -> None:
    saga = new_saga()
    assert saga.record_success("DropletActive", T0, STEP)  # billing's event is still in flight
    found = statuses(saga)
    assert found["reserve_subscription"] is StepStatus.SUCCEEDED
    assert found["wait_droplet_active"] is StepStatus.SUCCEEDED
    assert found["register_inventory"] is StepStatus.RUNNING
    assert saga.record_success("SubscriptionReserved", T0, STEP)  # late, harmless
    assert statuses(saga) == found


def test_the_saga_is_ready_to_activate_only_after_dns() -> None:
    saga = new_saga()
    for event in (
        "SubscriptionReserved",
        "DropletCreated",
        "DropletActive",
        "ResourceRegistered",
        "ResourceLinked",
    ):
        saga.record_success(event, T0, STEP)
        assert not saga.ready_to_activate()
    saga.record_success("DnsPointed", T0, STEP)
    assert saga.ready_to_activate()
    saga.complete(T0)
    assert saga.status is SagaStatus.COMPLETED
    assert set(statuses(saga).values()) == {StepStatus.SUCCEEDED}


def test_an_abort_fails_the_step_and_marks_done_work_for_undoing() -> None:
    saga = new_saga()
    saga.record_success("SubscriptionReserved", T0, STEP)
    assert saga.abort("create_droplet", "provider said no", T0)
    found = statuses(saga)
    assert saga.status is SagaStatus.COMPENSATING
    assert found["create_droplet"] is StepStatus.FAILED
    assert found["reserve_subscription"] is StepStatus.COMPENSATING
    assert found["point_dns"] is StepStatus.PENDING
    assert not saga.abort("point_dns", "a second abort", T0)  # taken once
    assert saga.failed_step == "create_droplet"


def test_a_success_after_the_abort_is_not_recorded() -> None:
    saga = new_saga()
    saga.abort("reserve_subscription", "bad standing", T0)
    assert not saga.record_success("DropletCreated", T0, STEP)
    assert statuses(saga)["create_droplet"] is StepStatus.PENDING


def test_compensated_once_every_participant_reported_in_any_order() -> None:
    saga = new_saga()
    reports = list(COMPENSATION_REPORTS)
    saga.record_report(reports[0], T0)  # a report can precede the abort it answers
    saga.abort("create_droplet", "no", T0)
    for report in reports[1:-1]:
        assert not saga.record_report(report, T0)
        assert saga.status is SagaStatus.COMPENSATING
    assert saga.record_report(reports[-1], T0)
    assert saga.status is SagaStatus.COMPENSATED
    assert StepStatus.COMPENSATING not in statuses(saga).values()


def test_deadlines_name_the_step_that_overran() -> None:
    saga = new_saga()
    assert saga.expired(T0 + STEP / 2) is None
    assert saga.expired(T0 + STEP * 2) == (
        "reserve_subscription",
        "step reserve_subscription exceeded its deadline",
    )


def test_a_refused_undo_ends_compensation_failed() -> None:
    saga = new_saga()
    saga.abort("point_dns", "dns refused", T0)
    assert saga.compensation_failed("compensate", "403 forbidden", T0)
    assert saga.status is SagaStatus.COMPENSATION_FAILED
    assert "403 forbidden" in (saga.reason or "")
    assert not saga.record_report("DropletDestroyed", T0)


def test_reports_after_the_compensation_deadline_still_settle_the_saga() -> None:
    saga = new_saga()
    saga.abort("reserve_subscription", "step deadline", T0)
    # The deadline passed while the abort was held up (a broker outage): for operators.
    assert saga.compensation_failed("reserve_subscription", "deadline", T0 + STEP)
    reports = list(COMPENSATION_REPORTS)
    for report in reports[:-1]:
        assert not saga.record_report(report, T0 + STEP * 2)
    assert saga.record_report(reports[-1], T0 + STEP * 2)
    assert saga.status is SagaStatus.COMPENSATED
    assert saga.finished_at == T0 + STEP * 2


def test_a_completed_saga_never_becomes_compensation_failed() -> None:
    saga = new_saga()
    saga.complete(T0)
    assert not saga.compensation_failed("compensate", "403 forbidden", T0)
    assert saga.status is SagaStatus.COMPLETED
