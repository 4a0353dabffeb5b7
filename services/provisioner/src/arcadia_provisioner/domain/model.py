"""The provisioning model: job kinds, the saga's row, a teardown and a job, as typed values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TypedDict
from uuid import UUID


class JobKind(StrEnum):
    CREATE_DROPLET = "create_droplet"
    WAIT_DROPLET = "wait_droplet_active"
    POINT_DNS = "point_dns"
    COMPENSATE = "compensate"
    TEARDOWN = "teardown"


# The saga step a forward job is, as DESIGN.md names it (for ProvisioningAborted.failed_step).
STEP_OF_JOB = {
    JobKind.CREATE_DROPLET: "create_droplet",
    JobKind.WAIT_DROPLET: "wait_droplet_active",
    JobKind.POINT_DNS: "point_dns",
}
# Jobs that undo: when they cannot finish, operators are told (CompensationFailed).
UNDO_KINDS = frozenset({JobKind.COMPENSATE, JobKind.TEARDOWN})


@dataclass(frozen=True)
class PreviousRecord:
    """The A record a saga replaced, remembered so that compensation can put it back."""

    id: int
    data: str


@dataclass(frozen=True)
class Provisioning:
    """One provisioning saga as the provisioner knows it: the facts heard, what it did."""

    saga_id: UUID
    deployment_id: UUID
    tenant_id: str
    slug: str | None = None
    region: str | None = None
    size: str | None = None
    plan_size: str | None = None
    requested: bool = False
    reserved: bool = False
    linked: bool = False
    aborted_at: datetime | None = None
    abort_reason: str | None = None
    droplet_id: int | None = None
    ip_address: str | None = None
    droplet_active: bool = False
    dns_fqdn: str | None = None
    dns_prepared: bool = False
    dns_previous: PreviousRecord | None = None
    dns_record_id: int | None = None
    dns_pointed: bool = False
    undone_at: datetime | None = None

    @property
    def aborted(self) -> bool:
        return self.aborted_at is not None

    @property
    def droplet_size(self) -> str | None:
        """The reserved plan version's size; the request's only when billing did not say."""
        return self.plan_size or self.size

    @property
    def ready_to_create(self) -> bool:
        """Both the request and the reserved subscription are in, and nobody aborted."""
        return self.requested and self.reserved and not self.aborted

    @property
    def ready_to_point_dns(self) -> bool:
        """The droplet is active and inventory linked it, and nobody aborted."""
        return self.droplet_active and self.linked and not self.aborted


class ProvisioningChanges(TypedDict, total=False):
    """Columns of a provisioning a step or a handler may set (the repository's UPDATE)."""

    slug: str
    region: str
    size: str
    plan_size: str
    requested: bool
    reserved: bool
    linked: bool
    droplet_id: int
    ip_address: str
    droplet_active: bool
    dns_fqdn: str
    dns_prepared: bool
    dns_previous: PreviousRecord | None
    dns_record_id: int
    dns_pointed: bool
    undone_at: datetime


@dataclass(frozen=True)
class Teardown:
    """A teardown saga of a provisioned deployment; `provisioning_saga` is what it undoes."""

    saga_id: UUID
    deployment_id: UUID
    tenant_id: str
    provisioning_saga: UUID | None


@dataclass(frozen=True)
class Job:
    """One claimed attempt at a job: `attempts` counts this one; `expired` is past its deadline."""

    id: int
    saga_id: UUID
    kind: JobKind
    attempts: int
    expired: bool
    # The trace of the span that scheduled it (W3C traceparent), continued by its run.
    traceparent: str | None = None


@dataclass(frozen=True)
class DueJob:
    id: int
    saga_id: UUID
