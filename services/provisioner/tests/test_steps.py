"""Each step and the worker's error policy, against an in-memory cloud and store (no I/O)."""

from __future__ import annotations

from uuid import uuid4

import pytest

from arcadia_platform.backoff import Backoff
from arcadia_platform.digitalocean import (
    DigitalOceanClient,
    DigitalOceanConfig,
    ProviderRejectedError,
    ProviderUnavailableError,
)
from arcadia_provisioner.config import ProvisionerSettings
from arcadia_provisioner.domain.model import JobKind, Teardown
from arcadia_provisioner.domain.names import dns_name, saga_tag
from arcadia_provisioner.ports import CloudProvider, ProvisioningStore
from arcadia_provisioner.steps.context import StepContext
from arcadia_provisioner.steps.runner import run_job
from services.provisioner.tests.fakes import FakeCloud, FakeRecord, InMemoryStore

DOMAIN = "apps.arcadia.test"
NO_WAIT = Backoff(0.0, 0.0)


class World:
    def __init__(self, **settings: float) -> None:
        self.cloud = FakeCloud()
        self.store = InMemoryStore()
        self.settings = ProvisionerSettings(base_domain=DOMAIN, **settings)  # type: ignore[arg-type]
        self.ctx = StepContext(store=self.store, cloud=self.cloud, settings=self.settings)
        self.saga_id = uuid4()
        self.name = dns_name("shop", "acme")

    async def requested(self) -> None:
        await self.store.open_provisioning(
            self.saga_id,
            uuid4(),
            "acme",
            {"requested": True, "reserved": True, "slug": "shop", "region": "fra1", "size": "s"},
        )

    async def run(self, kind: JobKind) -> str | None:
        await self.store.schedule(self.saga_id, kind)
        job_id = self.store.job_of(self.saga_id, kind)
        assert job_id is not None
        return await run_job(self.ctx, NO_WAIT, job_id)

    def job(self, kind: JobKind) -> int:
        job_id = self.store.job_of(self.saga_id, kind)
        assert job_id is not None
        return job_id


async def test_the_fakes_and_the_real_adapters_fit_the_ports() -> None:
    # The claim is mypy's: each assignment fails to type-check if a port and its fake (or the
    # DigitalOcean client) drift apart.
    cloud: CloudProvider = FakeCloud()
    store: ProvisioningStore = InMemoryStore()
    client: CloudProvider = DigitalOceanClient(DigitalOceanConfig("http://127.0.0.1:9", "t"))
    assert isinstance(client, DigitalOceanClient)
    await client.aclose()
    assert [type(cloud), type(store)] == [FakeCloud, InMemoryStore]


async def test_create_droplet_looks_up_the_saga_tag_even_on_the_first_attempt() -> None:
    world = World()
    await world.requested()

    assert await world.run(JobKind.CREATE_DROPLET) == "droplet 101"

    assert world.cloud.calls[:2] == ["ensure_droplet", "list_droplets_by_tag"]
    (droplet,) = world.cloud.droplets.values()
    assert saga_tag(world.saga_id) in droplet.tags
    assert world.store.events() == ["DropletCreated"]
    assert world.store.provisionings[world.saga_id].droplet_id == droplet.id
    assert world.store.job_of(world.saga_id, JobKind.WAIT_DROPLET) is not None


async def test_a_repeated_create_finds_the_droplet_an_earlier_attempt_made() -> None:
    world = World()
    await world.requested()
    await world.run(JobKind.CREATE_DROPLET)
    world.store.jobs[world.job(JobKind.CREATE_DROPLET)].done = None  # as if the record was lost

    await run_job(world.ctx, NO_WAIT, world.job(JobKind.CREATE_DROPLET))

    assert len(world.cloud.droplets) == 1


async def test_an_aborted_saga_never_creates_a_droplet() -> None:
    world = World()
    await world.requested()
    await world.store.mark_aborted(world.saga_id, "user cancelled")

    assert await world.run(JobKind.CREATE_DROPLET) == "skipped"

    assert world.cloud.droplets == {}
    assert world.store.events() == []


async def test_wait_retries_while_booting_then_reports_active() -> None:
    world = World()
    await world.requested()
    await world.run(JobKind.CREATE_DROPLET)
    wait = world.job(JobKind.WAIT_DROPLET)

    assert await run_job(world.ctx, NO_WAIT, wait) == "retry"
    assert world.store.jobs[wait].last_error == "droplet 101 is new"
    world.cloud.activate(101)
    await world.store.open_provisioning(world.saga_id, uuid4(), "acme", {"linked": True})
    assert await run_job(world.ctx, NO_WAIT, wait) == "active 203.0.113.7"

    assert world.store.events() == ["DropletCreated", "DropletActive"]
    assert world.store.job_of(world.saga_id, JobKind.POINT_DNS) is not None  # link came first


async def test_point_dns_never_overwrites_a_record_it_did_not_create() -> None:
    world = World()
    await world.requested()
    world.cloud.records[7] = FakeRecord(7, "A", world.name, "198.51.100.1")  # someone else's
    await world.store.update_provisioning(
        world.saga_id, {"ip_address": "203.0.113.7", "droplet_active": True}
    )

    assert await world.run(JobKind.POINT_DNS) == "gave up"  # at once: retrying cannot help
    row = world.store.provisionings[world.saga_id]
    assert (row.abort_reason or "").startswith("point_dns: dns_conflict: ")
    assert world.cloud.records[7].data == "198.51.100.1"
    assert world.store.events() == ["ProvisioningAborted"]

    assert await world.run(JobKind.COMPENSATE) == "compensated"
    assert world.cloud.records[7].data == "198.51.100.1"  # left alone by the undo too
    assert world.store.events() == ["ProvisioningAborted", "DropletDestroyed", "DnsReverted"]


async def test_compensation_destroys_every_droplet_tagged_with_the_saga_and_deletes_our_record() -> (
    None
):
    world = World()
    await world.requested()
    await world.run(JobKind.CREATE_DROPLET)
    await world.cloud.ensure_droplet(
        name="lost-answer", region="fra1", size="s", image="i", tags=[], tag=saga_tag(world.saga_id)
    )
    world.cloud.activate(101)
    await world.store.update_provisioning(world.saga_id, {"ip_address": "203.0.113.7"})
    await world.run(JobKind.POINT_DNS)

    await world.run(JobKind.COMPENSATE)

    assert world.cloud.droplets == {}
    assert world.cloud.records == {}
    assert world.store.provisionings[world.saga_id].undone_at is not None


async def test_teardown_undoes_the_completed_provisioning() -> None:
    world = World()
    await world.requested()
    await world.run(JobKind.CREATE_DROPLET)
    teardown_id = uuid4()
    row = world.store.provisionings[world.saga_id]
    await world.store.add_teardown(Teardown(teardown_id, row.deployment_id, "acme", world.saga_id))
    await world.store.schedule(teardown_id, JobKind.TEARDOWN)
    job_id = world.store.job_of(teardown_id, JobKind.TEARDOWN)
    assert job_id is not None

    assert await run_job(world.ctx, NO_WAIT, job_id) == "torn down"

    assert world.cloud.droplets == {}
    assert world.store.published[-1][0] == teardown_id


# ------------------------------------------------------------------ the error policy


async def test_a_refused_create_aborts_the_saga_and_schedules_compensation() -> None:
    world = World()
    await world.requested()
    world.cloud.fail["ensure_droplet"] = [ProviderRejectedError(422, "unprocessable", "bad size")]

    assert await world.run(JobKind.CREATE_DROPLET) == "gave up"

    assert world.store.events() == ["ProvisioningAborted"]
    row = world.store.provisionings[world.saga_id]
    assert (row.abort_reason or "").startswith("create_droplet: ")
    assert world.store.job_of(world.saga_id, JobKind.COMPENSATE) is not None
    assert world.store.jobs[world.job(JobKind.CREATE_DROPLET)].done is not None


async def test_an_unavailable_provider_is_retried_with_backoff_until_the_deadline() -> None:
    world = World()
    await world.requested()
    world.cloud.fail["ensure_droplet"] = [
        ProviderUnavailableError("503"),
        ProviderUnavailableError("503"),
    ]
    await world.store.schedule(world.saga_id, JobKind.CREATE_DROPLET)
    job_id = world.job(JobKind.CREATE_DROPLET)

    assert await run_job(world.ctx, Backoff(0.5, 0.5, jitter=lambda: 1.0), job_id) == "retry"
    assert world.store.jobs[job_id].retry_in_s == pytest.approx(0.5)
    world.store.jobs[job_id].expired = True
    assert await run_job(world.ctx, NO_WAIT, job_id) == "gave up"

    assert world.store.events() == ["ProvisioningAborted"]


async def test_an_undo_that_keeps_failing_gives_up_as_compensation_failed() -> None:
    world = World(compensation_max_attempts=2)
    await world.requested()
    world.cloud.fail["list_droplets_by_tag"] = [ProviderUnavailableError("503")] * 2
    await world.store.schedule(world.saga_id, JobKind.COMPENSATE)
    job_id = world.job(JobKind.COMPENSATE)

    assert await run_job(world.ctx, NO_WAIT, job_id) == "retry"
    assert await run_job(world.ctx, NO_WAIT, job_id) == "gave up"

    assert world.store.events() == ["CompensationFailed"]


async def test_an_error_that_is_not_the_providers_leaves_the_job_due() -> None:
    world = World()
    await world.requested()
    world.cloud.fail["ensure_droplet"] = [RuntimeError("a bug")]

    with pytest.raises(RuntimeError):
        await world.run(JobKind.CREATE_DROPLET)

    job = world.store.jobs[world.job(JobKind.CREATE_DROPLET)]
    assert (job.done, job.retry_in_s) == (None, None)
