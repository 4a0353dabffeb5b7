"""The provisioner service's composition root: consumers, the job worker, the provider client."""

from __future__ import annotations

from pathlib import Path

from litestar import Litestar

from arcadia_platform.consumer import Routes
from arcadia_platform.digitalocean import DigitalOceanClient, DigitalOceanConfig
from arcadia_platform.http import service_app
from arcadia_platform.retention import Purge, purge_older_than
from arcadia_platform.runtime import ServiceRuntime
from arcadia_provisioner.adapters.audit import provider_facts
from arcadia_provisioner.adapters.provider_budget import SharedProviderBudget
from arcadia_provisioner.config import ProvisionerSettings
from arcadia_provisioner.handlers.routes import ROUTES
from arcadia_provisioner.worker import JobWorker

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: ProvisionerSettings) -> Litestar:
    routes = Routes()
    runtime = ServiceRuntime(settings, migrations=[("provisioner", MIGRATIONS)], routes=routes)
    budget = (
        SharedProviderBudget(
            lambda: runtime.pool,
            settings.do_token,
            requests_per_minute=settings.do_requests_per_minute,
            burst=DigitalOceanConfig.burst,
        )
        if settings.do_budget_shared and settings.do_requests_per_minute
        else None
    )
    cloud = DigitalOceanClient(
        DigitalOceanConfig(
            base_url=settings.do_base_url,
            token=settings.do_token,
            timeout_s=settings.do_timeout_s,
            max_retries=settings.do_max_retries,
            backoff_base_s=settings.do_backoff_base_s,
            requests_per_minute=settings.do_requests_per_minute or None,
            # Creates are serialised per saga (advisory lock): no racing callers to settle.
            settle_after_create=False,
        ),
        # The HTTP pool, not the events pool: each running job holds an events-pool connection
        # (its saga's lock) while it calls the provider.
        limiter=budget,
    )
    workers: list[JobWorker] = []

    def wake() -> None:
        for worker in workers:
            worker.wake()

    ROUTES(routes, settings, runtime.outbox)
    runtime.after_commit_hooks.append(wake)

    async def run_worker() -> None:
        worker = JobWorker(
            runtime.events_pool, runtime.outbox, cloud, settings, runtime.crash_points
        )
        workers.append(worker)
        try:
            await worker.run()
        finally:
            workers.remove(worker)

    runtime.background.append(run_worker)
    finished = purge_older_than("jobs", "done_at", settings.jobs_retention_s, "done_at IS NOT NULL")
    runtime.purges.append(Purge("finished_jobs", finished))
    return service_app(
        runtime,
        on_shutdown=[cloud.aclose],
        audit_facts=provider_facts(cloud, settings.base_domain),
    )
