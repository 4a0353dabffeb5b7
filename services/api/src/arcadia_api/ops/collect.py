"""The audit's facts as the gateway gathers them: its own deployments, sagas and outbox from its
database; billing's, inventory's and the provisioner's (with the provider's droplets and records)
from their `GET /internal/v1/audit/facts`; consumer lag from Kafka. Then the same pure check as
`arcadia audit` (`arcadia_platform.audit.report.assemble`)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import msgspec

from arcadia_api.config import ApiSettings
from arcadia_api.http.upstream import Upstream
from arcadia_api.ops.schemas import OutboxFacts, ServiceFacts
from arcadia_platform.audit import views
from arcadia_platform.audit.facts import outbox_facts
from arcadia_platform.audit.lag import group_lags
from arcadia_platform.audit.report import AuditReport, Backlog, Parked, assemble
from arcadia_platform.runtime import ServiceRuntime

SERVICES = ("api", "billing", "inventory", "provisioner")
DEPLOYMENTS = """
SELECT d.id::text AS id, d.tenant_id, d.slug, d.state,
       EXISTS (SELECT 1 FROM sagas s WHERE s.deployment_id = d.id AND s.kind = 'provision')
           AS provisioned
FROM deployments d
"""
SAGAS = (
    "SELECT id::text AS id, deployment_id::text AS deployment_id, kind, status, deadline_at"
    " FROM sagas"
)


class AuditUpstreams:
    """The three services the audit asks; one connection pool each for the app's life."""

    def __init__(self, settings: ApiSettings) -> None:
        timeout, secret = settings.upstream_timeout_s, settings.internal_secret
        self.billing = Upstream("billing", settings.billing_url, timeout, secret=secret)
        self.inventory = Upstream("inventory", settings.inventory_url, timeout, secret=secret)
        # It reads the provider's whole account: the longer budget of `drift_timeout_s`.
        self.provisioner = Upstream("provisioner", settings.provisioner_url, timeout, secret=secret)
        self.provider_timeout_s = settings.drift_timeout_s

    async def aclose(self) -> None:
        for upstream in (self.billing, self.inventory, self.provisioner):
            await upstream.aclose()

    async def facts(self) -> list[ServiceFacts]:
        return list(
            await asyncio.gather(
                self.billing.get("/audit/facts", ServiceFacts),
                self.inventory.get("/audit/facts", ServiceFacts),
                self.provisioner.get(
                    "/audit/facts", ServiceFacts, timeout_s=self.provider_timeout_s
                ),
            )
        )


async def own_facts(runtime: ServiceRuntime) -> tuple[views.World, ServiceFacts]:
    async with (
        runtime.pool.acquire() as conn,
        conn.transaction(isolation="repeatable_read", readonly=True),
    ):
        deployments = await conn.fetch(DEPLOYMENTS)
        sagas = await conn.fetch(SAGAS)
        outbox = msgspec.convert(await outbox_facts(conn), OutboxFacts)
    world = views.World(
        now=outbox.now,
        deployments=[views.Deployment(**dict(r)) for r in deployments],
        sagas=[views.Saga(**dict(r)) for r in sagas],
    )
    return world, ServiceFacts(service="api", outbox=outbox)


def _absorb(world: views.World, facts: ServiceFacts) -> None:
    world.subscriptions += [
        views.Subscription(s.id, s.deployment_id, s.status) for s in facts.subscriptions
    ]
    world.resources += [
        views.Resource(r.id, r.deployment_id, r.status, r.provider_id, r.linked)
        for r in facts.resources
    ]
    world.droplets += [
        views.Droplet(d.id, d.status, tuple(d.tags), d.public_ip) for d in facts.droplets
    ]
    world.records += [views.Record(r.id, r.type, r.name, r.data) for r in facts.records]
    world.outbox += [
        views.OutboxRow(facts.service, r.id, r.key, r.created_at, None, False)
        for r in facts.outbox.rows
    ]


def _backlog(facts: ServiceFacts) -> Backlog:
    o = facts.outbox
    age = o.now - o.oldest_unsent_at if o.oldest_unsent_at is not None else None
    return Backlog(facts.service, o.unsent, age, o.parked)


def _parked(facts: ServiceFacts) -> list[Parked]:
    return [
        Parked(
            facts.service,
            p.id,
            p.topic,
            p.key,
            p.event_type,
            p.created_at,
            p.parked_at,
            p.park_reason,
            p.park_count,
        )
        for p in facts.outbox.parked_rows
    ]


async def build_report(
    settings: ApiSettings,
    runtime: ServiceRuntime,
    upstreams: AuditUpstreams,
    *,
    tenant: str | None,
) -> AuditReport:
    (world, mine), others, lag = await asyncio.gather(
        own_facts(runtime),
        upstreams.facts(),
        group_lags(settings.kafka_bootstrap_servers, runtime.topic_names, SERVICES),
    )
    every = [mine, *others]
    for facts in every:
        _absorb(world, facts)
    order = {s: i for i, s in enumerate(SERVICES)}
    every.sort(key=lambda f: order.get(f.service, len(order)))
    return assemble(
        world,
        backlog=[_backlog(f) for f in every],
        parked=[p for f in every for p in _parked(f)],
        lag=lag,
        tenant=tenant,
        lag_bound=settings.audit_lag_bound,
        outbox_bound=timedelta(seconds=settings.audit_outbox_bound_s),
        saga_grace=timedelta(seconds=settings.audit_saga_grace_s),
    )
