"""Operators' HTTP handle on a service's rebuilds (arcadia_platform.rebuild), mounted under
/internal/v1/rebuilds by a service that has read models: start one, then poll its progress."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

import msgspec
from litestar import Router, get, post
from litestar.exceptions import HTTPException, NotFoundException
from litestar.params import PathParameter

from arcadia_platform.rebuild import Rebuilds

PATH = "/internal/v1/rebuilds"
Name = Annotated[str, PathParameter(min_length=1, max_length=100, description="The projection.")]


class StartRebuild(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    # False: build and compare with the live tables, swap nothing.
    swap: bool = True


def rebuild_router(rebuilds: Rebuilds) -> Router:
    def known(name: str) -> None:
        if name not in rebuilds.projections:
            raise NotFoundException(
                f"no projection {name!r}; there are {', '.join(sorted(rebuilds.projections))}"
            )

    @get("/")
    async def projections() -> dict[str, Any]:
        """The projections this service can rebuild."""
        return {
            "projections": [
                {"name": p.name, "tables": list(p.tables), "topics": list(p.topics)}
                for p in rebuilds.projections.values()
            ]
        }

    @post("/{name:str}", status_code=202)
    async def start(name: Name, data: StartRebuild) -> dict[str, Any]:
        """Start rebuilding a projection from offset 0 (409 while one is running)."""
        known(name)
        if rebuilds.running(name):
            raise HTTPException(status_code=409, detail=f"{name} is being rebuilt already")
        return asdict(rebuilds.start(name, swap=data.swap).progress)

    @get("/{name:str}")
    async def progress(name: Name) -> dict[str, Any]:
        """The latest rebuild of a projection: running, swapped, compared or failed."""
        known(name)
        latest = rebuilds.latest.get(name)
        if latest is None:
            raise NotFoundException(f"{name} has not been rebuilt since the service started")
        return asdict(latest.progress)

    return Router(
        path=PATH,
        route_handlers=[projections, start, progress],
        include_in_schema=False,
        tags=["operations"],
    )
