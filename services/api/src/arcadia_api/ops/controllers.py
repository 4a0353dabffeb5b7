"""GET /api/v1/ops/audit (operators): the same report as `arcadia audit --json`; GET
/api/v1/ops/dlq: the dead letters counted by topic and reason (the status page's DLQ table)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, get
from litestar.params import Parameter

from arcadia_api.config import ApiSettings
from arcadia_api.http.auth import operator_only
from arcadia_api.http.problems import problem_responses
from arcadia_api.ops.collect import AuditUpstreams, build_report
from arcadia_platform.audit.dlq import dlq_summary
from arcadia_platform.runtime import ServiceRuntime

Tenant = Annotated[
    str | None,
    Parameter(min_length=1, max_length=200, description="Only this tenant's."),
]


class OpsController(Controller):
    path = "/ops"
    tags = ["operations"]
    guards = [operator_only]

    @get("/audit", responses=problem_responses(400, 401, 403, 502, 503, 504))
    async def audit(
        self,
        settings: ApiSettings,
        runtime: ServiceRuntime,
        audit_upstreams: AuditUpstreams,
        tenant: Tenant = None,
    ) -> dict[str, Any]:
        """Operators: do the services agree (invariant 6 over every deployment), with outbox
        backlog and parked rows, consumer lag and overdue sagas; each finding names the
        `arcadia` command that fixes it. `clean` is true when there is no finding."""
        report = await build_report(settings, runtime, audit_upstreams, tenant=tenant)
        return report.to_json()

    @get("/dlq", responses=problem_responses(401, 403))
    async def dlq(self, settings: ApiSettings, runtime: ServiceRuntime) -> dict[str, Any]:
        """Operators: every `<topic>.dlq` entry counted by DLQ topic and reason (the
        `dlq-reason` header), largest first. Bounded (20 000 entries, 5 s): `complete` is false
        when only `read` of the `total` entries were counted; `arcadia dlq list` reads them all."""
        summary = await dlq_summary(settings.kafka_bootstrap_servers, runtime.topic_names)
        return summary.to_json()
