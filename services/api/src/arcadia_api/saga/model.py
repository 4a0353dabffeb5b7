"""The saga record as a pure model: which event moves which step, and when a saga has ended.

No I/O here. The repository loads a Saga, a reaction calls one method, the repository saves it
and the reaction publishes what the method says happened.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final
from uuid import UUID

from arcadia_api.saga.steps import (
    COMPENSATION_REPORTS,
    PROVISION_STEPS,
    SUCCESS_EVENTS,
    TEARDOWN_REPORTS,
    TEARDOWN_STEPS,
    SagaKind,
    SagaStatus,
    Step,
    StepStatus,
)


@dataclass(frozen=True)
class SagaTimeouts:
    """How long a saga, each of its steps, and its compensation may take (durable deadlines)."""

    saga: timedelta = timedelta(minutes=5)
    step: timedelta = timedelta(minutes=2)
    compensation: timedelta = timedelta(minutes=10)

    @classmethod
    def of(cls, saga_s: float, step_s: float, compensation_s: float) -> SagaTimeouts:
        return cls(
            timedelta(seconds=saga_s), timedelta(seconds=step_s), timedelta(seconds=compensation_s)
        )


DEFAULT_TIMEOUTS: Final = SagaTimeouts()


@dataclass
class Saga:
    id: UUID
    deployment_id: UUID
    tenant_id: str
    kind: SagaKind
    status: SagaStatus
    started_at: datetime
    deadline_at: datetime
    steps: list[Step]
    finished_at: datetime | None = None
    failed_step: str | None = None
    reason: str | None = None
    reports: set[str] = field(default_factory=set)
    # The provisioning saga's droplet, once the provisioner has reported it.
    droplet_id: int | None = None

    @classmethod
    def provision(
        cls,
        saga_id: UUID,
        deployment_id: UUID,
        tenant_id: str,
        now: datetime,
        *,
        saga_timeout: timedelta,
        step_timeout: timedelta,
    ) -> Saga:
        """A new provisioning saga: step 1 done by the request itself, step 2 under way."""
        steps = [Step(name, i) for i, name in enumerate(PROVISION_STEPS, start=1)]
        steps[0].succeed(now)
        steps[1].start(now, step_timeout)
        return cls(
            saga_id,
            deployment_id,
            tenant_id,
            SagaKind.PROVISION,
            SagaStatus.RUNNING,
            now,
            now + saga_timeout,
            steps,
        )

    @classmethod
    def teardown(
        cls,
        saga_id: UUID,
        deployment_id: UUID,
        tenant_id: str,
        now: datetime,
        *,
        saga_timeout: timedelta,
        step_timeout: timedelta,
    ) -> Saga:
        steps = [Step(name, i) for i, name in enumerate(TEARDOWN_STEPS, start=1)]
        for step in steps:  # the participants work in parallel
            step.start(now, step_timeout)
        return cls(
            saga_id,
            deployment_id,
            tenant_id,
            SagaKind.TEARDOWN,
            SagaStatus.RUNNING,
            now,
            now + saga_timeout,
            steps,
        )

    def step(self, name: str) -> Step:
        return next(s for s in self.steps if s.name == name)

    @property
    def current_step(self) -> str:
        """The step a failure now would be blamed on: the first one not yet succeeded."""
        pending = [s for s in self.steps if s.status is not StepStatus.SUCCEEDED]
        return pending[0].name if pending else self.steps[-1].name

    def record_success(self, event_type: str, now: datetime, step_timeout: timedelta) -> bool:
        """A participant's step succeeded. Steps before it must have too (events on different
        topics arrive in any order). False when the saga is no longer running: a late success
        after an abort is not recorded here; its owner undoes it when it hears the abort."""
        name = SUCCESS_EVENTS.get(event_type)
        if name is None or self.status is not SagaStatus.RUNNING:
            return False
        for step in self.steps[: self.step(name).position]:
            if step.status is not StepStatus.SUCCEEDED:
                step.succeed(now)
        following = self.steps[self.step(name).position :]
        nxt = next((s for s in following if s.status is StepStatus.PENDING), None)
        if nxt is not None and not any(s.status is StepStatus.RUNNING for s in self.steps):
            nxt.start(now, step_timeout)
        return True

    def ready_to_activate(self) -> bool:
        return (
            self.status is SagaStatus.RUNNING
            and self.step("point_dns").status is StepStatus.SUCCEEDED
        )

    def complete(self, now: datetime) -> None:
        for step in self.steps:
            if step.status is not StepStatus.SUCCEEDED:
                step.succeed(now)
        self.status = SagaStatus.COMPLETED
        self.finished_at = now

    def abort(
        self,
        failed_step: str,
        reason: str,
        now: datetime,
        compensation: timedelta = DEFAULT_TIMEOUTS.compensation,
    ) -> bool:
        """Start compensating, which must end within `compensation`; False if the saga was not
        running (an abort is taken once)."""
        if self.status is not SagaStatus.RUNNING:
            return False
        self.status = SagaStatus.COMPENSATING
        self.deadline_at = now + compensation
        self.failed_step = failed_step
        self.reason = reason
        for step in self.steps:
            if step.name == failed_step or step.status is StepStatus.RUNNING:
                step.status = StepStatus.FAILED
                step.finished_at = now
                step.deadline_at = None
                step.last_error = reason
            elif step.status is StepStatus.SUCCEEDED:
                step.status = StepStatus.COMPENSATING
        self._settle(now)
        return True

    def record_report(self, event_type: str, now: datetime) -> bool:
        """An undo report (provision) or a teardown step's report. True if the saga ended."""
        if self.kind is SagaKind.TEARDOWN:
            name = TEARDOWN_REPORTS.get(event_type)
            if name is None or self.status is not SagaStatus.RUNNING:
                return False
            self.step(name).succeed(now)
            if all(s.status is StepStatus.SUCCEEDED for s in self.steps):
                self.status = SagaStatus.COMPLETED
                self.finished_at = now
                return True
            return False
        report = COMPENSATION_REPORTS.get(event_type)
        if report is None:
            return False
        self.reports.add(report)  # may come before we hear of the abort itself
        return self._settle(now)

    def compensation_failed(self, step: str, reason: str, now: datetime) -> bool:
        """An undo failed for good, or the compensation overran its deadline: for operators.
        False if the saga had ended already: a completed saga stays completed (its deployment
        is live, and only a teardown takes that back)."""
        if self.status in (
            SagaStatus.COMPLETED,
            SagaStatus.COMPENSATED,
            SagaStatus.COMPENSATION_FAILED,
        ):
            return False
        self.status = SagaStatus.COMPENSATION_FAILED
        self.finished_at = now
        self.reason = f"{self.reason or ''}; undo of {step} failed: {reason}".lstrip("; ")
        return True

    def _settle(self, now: datetime) -> bool:
        """Compensated once every participant has reported its undo, also after the deadline
        made it `compensation_failed`: reports held up by an outage still settle it."""
        if self.status not in (SagaStatus.COMPENSATING, SagaStatus.COMPENSATION_FAILED):
            return False
        if not set(COMPENSATION_REPORTS.values()) <= self.reports:
            return False
        for step in self.steps:
            if step.status is StepStatus.COMPENSATING:
                step.status = StepStatus.COMPENSATED
                step.finished_at = now
        self.status = SagaStatus.COMPENSATED
        self.finished_at = now
        return True

    def expired(self, now: datetime) -> tuple[str, str] | None:
        """(step, reason) if a deadline has passed while running."""
        if self.status is not SagaStatus.RUNNING:
            return None
        for step in self.steps:
            if step.status is StepStatus.RUNNING and step.deadline_at and step.deadline_at < now:
                return step.name, f"step {step.name} exceeded its deadline"
        if self.deadline_at < now:
            return self.current_step, "saga exceeded its deadline"
        return None
