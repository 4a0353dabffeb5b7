"""What the steps need from the world: a cloud provider, and a store for the saga's state.

The DigitalOcean client (arcadia_platform.digitalocean) is the provider and the PostgreSQL
repository (adapters/repository.py) the store; the unit tests put in-memory fakes in their place.
A provider fails with the platform's provider errors (arcadia_platform.digitalocean.errors):
ProviderUnavailableError may pass, ProviderRejectedError and DropletFailedError will not.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from typing import Protocol
from uuid import UUID

from arcadia_contracts import Event
from arcadia_provisioner.domain.cloud import CloudDroplet, CloudRecord
from arcadia_provisioner.domain.model import (
    Job,
    JobKind,
    Provisioning,
    ProvisioningChanges,
    Teardown,
)


class CloudProvider(Protocol):
    async def ensure_droplet(
        self, *, name: str, region: str, size: str, image: str, tags: list[str], tag: str
    ) -> CloudDroplet:
        """The droplet named `name` tagged `tag`: looked up by `tag` first, created if none."""
        ...

    async def get_droplet(self, droplet_id: int) -> CloudDroplet: ...

    async def list_droplets_by_tag(self, tag: str) -> Sequence[CloudDroplet]: ...

    async def delete_droplet(self, droplet_id: int) -> None: ...

    async def list_records(self, domain: str, name: str | None = None) -> Sequence[CloudRecord]: ...

    async def create_record(
        self, domain: str, *, type: str, name: str, data: str, ttl: int
    ) -> CloudRecord: ...

    async def update_record(
        self, domain: str, record_id: int, *, type: str, name: str, data: str, ttl: int
    ) -> CloudRecord: ...

    async def delete_record(self, domain: str, record_id: int) -> None: ...


# What a saga's events are announced about: a provisioning or a teardown.
Subject = Provisioning | Teardown


class ProvisioningStore(Protocol):
    """The saga's state on one connection; writes inside `transaction()` commit together."""

    def transaction(self) -> AbstractAsyncContextManager[object]: ...

    async def open_provisioning(
        self, saga_id: UUID, deployment_id: UUID, tenant_id: str, changes: ProvisioningChanges
    ) -> Provisioning:
        """Create the saga's row if missing, then apply `changes`; the row stays locked."""
        ...

    async def update_provisioning(
        self, saga_id: UUID, changes: ProvisioningChanges
    ) -> Provisioning: ...

    async def mark_aborted(self, saga_id: UUID, reason: str) -> None:
        """Remember the first abort (and its reason), so that no later forward step runs."""
        ...

    async def get_provisioning(self, saga_id: UUID) -> Provisioning | None: ...

    async def completed_provisioning_of(self, deployment_id: UUID) -> Provisioning | None: ...

    async def add_teardown(self, teardown: Teardown) -> None: ...

    async def get_teardown(self, saga_id: UUID) -> Teardown | None: ...

    async def schedule(
        self, saga_id: UUID, kind: JobKind, *, deadline_s: float | None = None
    ) -> bool:
        """Schedule a job once per (saga, kind); True if this call created it."""
        ...

    async def claim(self, job_id: int) -> Job | None:
        """Count an attempt at a job that is still due; None if it is not."""
        ...

    async def due_job_of(self, saga_id: UUID) -> int | None: ...

    async def finish(self, job_id: int, outcome: str) -> None: ...

    async def retry_later(self, job_id: int, delay_s: float, error: str) -> None: ...

    async def publish(self, subject: Subject, *payloads: Event) -> None:
        """Add events about the subject's saga to the outbox (in the caller's transaction)."""
        ...


__all__ = ["CloudProvider", "ProvisioningStore", "Subject"]
