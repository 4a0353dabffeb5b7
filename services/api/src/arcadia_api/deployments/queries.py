"""Reads: what a principal may see of deployments and tenants."""

from __future__ import annotations

from collections import defaultdict
from uuid import UUID

import msgspec

from arcadia_api.deployments.detail_read import read_detail
from arcadia_api.deployments.domain import Deployment, DeploymentNotFoundError, DeploymentState
from arcadia_api.deployments.repository import PostgresDeployments
from arcadia_api.deployments.schemas import (
    DeploymentDetail,
    DeploymentEventPage,
    DeploymentPage,
    StateCounts,
    TenantList,
    TenantSummary,
)
from arcadia_api.http.pagination import (
    EventCursor,
    Keyset,
    TenantCursor,
    decode_cursor,
    encode_cursor,
)
from arcadia_api.http.principal import Principal, tenant_scope
from arcadia_api.saga import repository as sagas
from arcadia_api.saga.schemas import SagaList, SagaView
from arcadia_api.saga.steps import SagaKind, SagaStatus
from arcadia_platform.db import Connection


async def _visible(conn: Connection, principal: Principal, deployment_id: UUID) -> Deployment:
    found = await PostgresDeployments(conn).get(deployment_id)
    if found is None or not principal.can_see(found.tenant_id):
        raise DeploymentNotFoundError(deployment_id)
    return found


async def deployment_detail(
    conn: Connection, principal: Principal, deployment_id: UUID, *, events_limit: int
) -> DeploymentDetail:
    found = await read_detail(conn, deployment_id, events_limit)
    if found is None or not principal.can_see(found.deployment.tenant_id):
        raise DeploymentNotFoundError(deployment_id)
    # At most one provisioning and one teardown saga per deployment: bounded as it is.
    history = [SagaView.of(saga) for saga in found.sagas]
    return DeploymentDetail(
        deployment=found.deployment,
        events=found.events,
        events_total=found.events_total,
        events_href=f"/api/v1/deployments/{deployment_id}/events",
        saga=history[-1] if history else None,
        sagas=history,
        # The gateway's read model, not billing over HTTP: see subscriptions/projection.py.
        subscription=found.subscription,
    )


async def deployment_events(
    conn: Connection,
    principal: Principal,
    deployment_id: UUID,
    *,
    limit: int,
    cursor: str | None,
) -> DeploymentEventPage:
    await _visible(conn, principal, deployment_id)
    after = 0 if cursor is None else decode_cursor(cursor, EventCursor).event
    rows = await PostgresDeployments(conn).events_page(
        deployment_id, after_id=after, limit=limit + 1
    )
    items, more = rows[:limit], len(rows) > limit
    return DeploymentEventPage(
        items=[event for _, event in items],
        next_cursor=encode_cursor(EventCursor(items[-1][0])) if more else None,
    )


async def saga_list(
    conn: Connection, *, status: SagaStatus | None, kind: SagaKind | None, limit: int
) -> SagaList:
    """Sagas newest first, e.g. every `compensation_failed` one (operators)."""
    found = await sagas.page(conn, status=status, kind=kind, limit=limit)
    return SagaList(items=[SagaView.of(saga) for saga in found])


async def list_deployments(
    conn: Connection,
    principal: Principal,
    *,
    tenant_id: str | None,
    state: DeploymentState | None,
    limit: int,
    cursor: str | None,
) -> DeploymentPage:
    after = None if cursor is None else decode_cursor(cursor, Keyset)
    # One row more than asked tells whether another page follows.
    rows = await PostgresDeployments(conn).page(
        tenant_id=tenant_scope(principal, tenant_id),
        state=state,
        after=None if after is None else (after.at, after.id),
        limit=limit + 1,
    )
    items, more = rows[:limit], len(rows) > limit
    last = items[-1] if more else None
    return DeploymentPage(
        items=items,
        next_cursor=None if last is None else encode_cursor(Keyset(last.created_at, last.id)),
    )


async def tenant_summaries(conn: Connection, *, limit: int, cursor: str | None) -> TenantList:
    """Tenants that have a deployment, by id, a page at a time, with their deployment count per
    state (operators)."""
    after = decode_cursor(cursor, TenantCursor).tenant_id if cursor else None
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    rows = await PostgresDeployments(conn).counts_by_tenant_and_state(
        after=after, tenants=limit + 1
    )
    for tenant_id, state, n in rows:
        counts[tenant_id][state] = n
    more = len(counts) > limit
    if more:
        counts.pop(max(counts))
    return TenantList(
        next_cursor=encode_cursor(TenantCursor(max(counts))) if more else None,
        items=[
            TenantSummary(
                tenant_id=tenant_id,
                deployments=sum(by_state.values()),
                by_state=msgspec.convert(by_state, StateCounts),
            )
            for tenant_id, by_state in sorted(counts.items())
        ],
    )
