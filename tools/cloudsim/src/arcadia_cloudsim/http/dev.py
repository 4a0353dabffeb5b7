"""/_sim: inject and clear faults, read the whole state, change settings, reset."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, delete, get, post

from arcadia_cloudsim.http.deps import Sim
from arcadia_cloudsim.schemas import ConfigBody, FaultBody, decode

AnyRequest = Request[Any, Any, Any]


class DevController(Controller):
    path = "/_sim"
    include_in_schema = False

    @post("/faults", status_code=201)
    async def add_fault(self, request: AnyRequest, sim: Sim) -> dict[str, Any]:
        return {"faults": sim.add_fault(decode(await request.body(), FaultBody))}

    @delete("/faults")
    async def clear_faults(self, sim: Sim) -> None:
        sim.clear_faults()

    @get("/state")
    async def state(self, sim: Sim) -> dict[str, Any]:
        return sim.snapshot()

    @post("/config", status_code=200)
    async def configure(self, request: AnyRequest, sim: Sim) -> dict[str, Any]:
        return {"config": sim.configure(decode(await request.body(), ConfigBody))}

    @post("/reset", status_code=204)
    async def reset(self, sim: Sim) -> None:
        sim.reset()
