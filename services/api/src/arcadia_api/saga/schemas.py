"""The saga records as the HTTP API shows them (a deployment's detail and /sagas)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from arcadia_api.saga.model import Saga
from arcadia_api.saga.steps import SagaKind, SagaStatus, StepStatus


class AbortSaga(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """An operator's abort: why (shown in the saga's reason and every participant's logs)."""

    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=500)] | None = None


class StepView(msgspec.Struct, frozen=True, kw_only=True):
    step: str
    status: StepStatus
    attempts: int
    started_at: datetime | None
    finished_at: datetime | None
    deadline_at: datetime | None
    last_error: str | None


class SagaView(msgspec.Struct, frozen=True, kw_only=True):
    """A saga record: overall status and per-step progress."""

    id: UUID
    kind: SagaKind
    deployment_id: UUID
    tenant_id: str
    status: SagaStatus
    started_at: datetime
    deadline_at: datetime
    finished_at: datetime | None
    failed_step: str | None
    reason: str | None
    steps: list[StepView]

    @classmethod
    def of(cls, saga: Saga) -> SagaView:
        return cls(
            id=saga.id,
            kind=saga.kind,
            deployment_id=saga.deployment_id,
            tenant_id=saga.tenant_id,
            status=saga.status,
            started_at=saga.started_at,
            deadline_at=saga.deadline_at,
            finished_at=saga.finished_at,
            failed_step=saga.failed_step,
            reason=saga.reason,
            steps=[
                StepView(
                    step=s.name,
                    status=s.status,
                    attempts=s.attempts,
                    started_at=s.started_at,
                    finished_at=s.finished_at,
                    deadline_at=s.deadline_at,
                    last_error=s.last_error,
                )
                for s in saga.steps
            ],
        )


class SagaList(msgspec.Struct, frozen=True, kw_only=True):
    items: list[SagaView]
