"""Test support: an in-memory cloud provider and an in-memory saga store, for pure unit tests."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from uuid import UUID

from arcadia_contracts import Event
from arcadia_provisioner.domain.model import (
    Job,
    JobKind,
    Provisioning,
    ProvisioningChanges,
    Teardown,
)
from arcadia_provisioner.ports import Subject


@dataclass(frozen=True)
class FakeDroplet:
    id: int
    name: str
    status: str
    tags: tuple[str, ...]
    ip: str | None = None

    @property
    def is_active(self) -> bool:
        return self.status == "active" and self.ip is not None


@dataclass(frozen=True)
class FakeRecord:
    id: int
    type: str
    name: str
    data: str


@dataclass
class FakeCloud:
    """A CloudProvider in memory; `fail` maps a method name to the errors its next calls raise."""

    droplets: dict[int, FakeDroplet] = field(default_factory=dict)
    records: dict[int, FakeRecord] = field(default_factory=dict)
    fail: dict[str, list[Exception]] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    next_id: int = 100

    def _call(self, name: str) -> None:
        self.calls.append(name)
        queued = self.fail.get(name)
        if queued:
            raise queued.pop(0)

    def _new_id(self) -> int:
        self.next_id += 1
        return self.next_id

    def activate(self, droplet_id: int, ip: str = "203.0.113.7") -> None:
        self.droplets[droplet_id] = dataclasses.replace(
            self.droplets[droplet_id], status="active", ip=ip
        )

    async def ensure_droplet(
        self, *, name: str, region: str, size: str, image: str, tags: list[str], tag: str
    ) -> FakeDroplet:
        self._call("ensure_droplet")
        for droplet in await self.list_droplets_by_tag(tag):
            if droplet.name == name:
                return droplet
        droplet = FakeDroplet(self._new_id(), name, "new", (tag, *tags))
        self.droplets[droplet.id] = droplet
        return droplet

    async def get_droplet(self, droplet_id: int) -> FakeDroplet:
        self._call("get_droplet")
        return self.droplets[droplet_id]

    async def list_droplets_by_tag(self, tag: str) -> Sequence[FakeDroplet]:
        self._call("list_droplets_by_tag")
        return [d for d in self.droplets.values() if tag in d.tags]

    async def delete_droplet(self, droplet_id: int) -> None:
        self._call("delete_droplet")
        self.droplets.pop(droplet_id, None)

    async def list_records(self, domain: str, name: str | None = None) -> Sequence[FakeRecord]:
        self._call("list_records")
        return [r for r in self.records.values() if name is None or r.name == name]

    async def create_record(
        self, domain: str, *, type: str, name: str, data: str, ttl: int
    ) -> FakeRecord:
        self._call("create_record")
        record = FakeRecord(self._new_id(), type, name, data)
        self.records[record.id] = record
        return record

    async def update_record(
        self, domain: str, record_id: int, *, type: str, name: str, data: str, ttl: int
    ) -> FakeRecord:
        self._call("update_record")
        self.records[record_id] = FakeRecord(record_id, type, name, data)
        return self.records[record_id]

    async def delete_record(self, domain: str, record_id: int) -> None:
        self._call("delete_record")
        self.records.pop(record_id, None)


@dataclass
class StoredJob:
    saga_id: UUID
    kind: JobKind
    deadline_s: float | None
    attempts: int = 0
    expired: bool = False
    done: str | None = None
    retry_in_s: float | None = None
    last_error: str | None = None


@dataclass
class InMemoryStore:
    """A ProvisioningStore in memory. Transactions are not rolled back: the steps under test
    write only inside a transaction that ends their attempt, so nothing is left half-done."""

    provisionings: dict[UUID, Provisioning] = field(default_factory=dict)
    teardowns: dict[UUID, Teardown] = field(default_factory=dict)
    jobs: dict[int, StoredJob] = field(default_factory=dict)
    published: list[tuple[UUID, Event]] = field(default_factory=list)
    transactions: int = 0

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[object]:
        self.transactions += 1
        yield self

    async def open_provisioning(
        self, saga_id: UUID, deployment_id: UUID, tenant_id: str, changes: ProvisioningChanges
    ) -> Provisioning:
        self.provisionings.setdefault(saga_id, Provisioning(saga_id, deployment_id, tenant_id))
        return await self.update_provisioning(saga_id, changes)

    async def update_provisioning(
        self, saga_id: UUID, changes: ProvisioningChanges
    ) -> Provisioning:
        row = dataclasses.replace(self.provisionings[saga_id], **changes)
        self.provisionings[saga_id] = row
        return row

    async def mark_aborted(self, saga_id: UUID, reason: str) -> None:
        row = self.provisionings[saga_id]
        if row.aborted_at is None:
            self.provisionings[saga_id] = dataclasses.replace(
                row, aborted_at=datetime.now(UTC), abort_reason=reason
            )

    async def get_provisioning(self, saga_id: UUID) -> Provisioning | None:
        return self.provisionings.get(saga_id)

    async def completed_provisioning_of(self, deployment_id: UUID) -> Provisioning | None:
        done = [
            p
            for p in self.provisionings.values()
            if p.deployment_id == deployment_id and p.dns_pointed and not p.aborted
        ]
        return done[-1] if done else None

    async def add_teardown(self, teardown: Teardown) -> None:
        self.teardowns.setdefault(teardown.saga_id, teardown)

    async def get_teardown(self, saga_id: UUID) -> Teardown | None:
        return self.teardowns.get(saga_id)

    async def schedule(
        self, saga_id: UUID, kind: JobKind, *, deadline_s: float | None = None
    ) -> bool:
        if self.job_of(saga_id, kind) is not None:
            return False
        self.jobs[len(self.jobs) + 1] = StoredJob(saga_id, kind, deadline_s)
        return True

    async def claim(self, job_id: int) -> Job | None:
        job = self.jobs[job_id]
        if job.done is not None:
            return None
        job.attempts += 1
        job.retry_in_s = None
        return Job(job_id, job.saga_id, job.kind, job.attempts, job.expired)

    async def due_job_of(self, saga_id: UUID) -> int | None:
        due = [
            i
            for i, j in self.jobs.items()
            if j.saga_id == saga_id and j.done is None and j.retry_in_s is None
        ]
        return due[0] if due else None

    async def finish(self, job_id: int, outcome: str) -> None:
        self.jobs[job_id].done = outcome

    async def retry_later(self, job_id: int, delay_s: float, error: str) -> None:
        self.jobs[job_id].retry_in_s = delay_s
        self.jobs[job_id].last_error = error

    async def publish(self, subject: Subject, *payloads: Event) -> None:
        self.published.extend((subject.saga_id, payload) for payload in payloads)

    def job_of(self, saga_id: UUID, kind: JobKind) -> int | None:
        return next(
            (i for i, j in self.jobs.items() if j.saga_id == saga_id and j.kind is kind), None
        )

    def events(self) -> list[str]:
        return [type(event).__name__ for _, event in self.published]
