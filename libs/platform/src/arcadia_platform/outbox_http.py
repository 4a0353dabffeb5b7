"""Operators' HTTP view of parked outbox rows, mounted by every service under /internal/v1/outbox."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

import msgspec
from litestar import Router, get, post
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.params import Parameter, PathParameter

from arcadia_platform.outbox_parking import ParkedRows, list_parked, release_parked
from arcadia_platform.runtime import ServiceRuntime

PATH = "/internal/v1/outbox"
Limit = Annotated[int, Parameter(ge=1, le=1000, description="At most this many rows.")]
RowId = Annotated[int, PathParameter(ge=1, description="The outbox row's id.")]


class Released(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    released: bool


@get("/parked")
async def parked_rows(state: State, limit: Limit = 100) -> ParkedRows:
    """Rows the relay parked (it could not publish them), oldest first; values are left out."""
    runtime: ServiceRuntime = state.runtime
    async with runtime.pool.acquire() as conn:
        return ParkedRows(items=await list_parked(conn, limit=limit))


@post("/parked/{row_id:int}/release", status_code=200)
async def release_row(state: State, row_id: RowId) -> Released:
    """Unpark a row: the relay tries it again (and parks it again if it still cannot send it)."""
    runtime: ServiceRuntime = state.runtime
    async with runtime.pool.acquire() as conn:
        released = await release_parked(conn, row_id)
    if not released:
        raise NotFoundException(f"outbox row {row_id} is not parked")
    runtime.outbox.notify()
    return Released(id=row_id, released=True)


def parked_outbox_router(*, guards: Sequence[Any] = (), middleware: Sequence[Any] = ()) -> Router:
    """The routes, left out of the OpenAPI documents (like /health); a service on a public edge
    (the gateway) passes its authentication middleware and an operators-only guard."""
    return Router(
        path=PATH,
        route_handlers=[parked_rows, release_row],
        guards=list(guards),
        middleware=list(middleware),
        include_in_schema=False,
        tags=["operations"],
    )
