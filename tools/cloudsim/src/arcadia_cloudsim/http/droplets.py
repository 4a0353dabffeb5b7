"""/v2/droplets and /v2/actions: create, list by tag, get, delete (by id or by tag)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, delete, get, post
from litestar.params import FromPath, FromQuery, QueryParameter

from arcadia_cloudsim.errors import ApiError
from arcadia_cloudsim.faults import Operation
from arcadia_cloudsim.http.deps import Sim
from arcadia_cloudsim.http.fault_effects import fail_if_status_fault, hang_if_timeout
from arcadia_cloudsim.schemas import CreateDropletBody, decode
from arcadia_cloudsim.validation import check_droplet
from arcadia_cloudsim.views import page_links

PageNumber = Annotated[int, QueryParameter(ge=1)]
PerPage = Annotated[int, QueryParameter(ge=1, le=200)]
AnyRequest = Request[Any, Any, Any]


class DropletController(Controller):
    path = "/droplets"

    @post("/", status_code=202)
    async def create(self, request: AnyRequest, sim: Sim) -> dict[str, Any]:
        fault = sim.begin(Operation.DROPLETS_CREATE)
        fail_if_status_fault(fault, sim.rate_headers())
        body = decode(await request.body(), CreateDropletBody)
        check_droplet(body)
        droplet, action_id = sim.create_droplet(body)
        await hang_if_timeout(fault, sim)
        href = f"{str(request.base_url).rstrip('/')}/v2/actions/{action_id}"
        return {
            "droplet": droplet,
            "links": {"actions": [{"id": action_id, "rel": "create", "href": href}]},
        }

    @get("/")
    async def list_droplets(
        self,
        request: AnyRequest,
        sim: Sim,
        tag_name: FromQuery[str | None] = None,
        page: PageNumber = 1,
        per_page: PerPage = 20,
    ) -> dict[str, Any]:
        fault = sim.begin(Operation.DROPLETS_LIST)
        fail_if_status_fault(fault, sim.rate_headers())
        droplets, total = sim.list_droplets(tag_name, page, per_page)
        await hang_if_timeout(fault, sim)
        return {
            "droplets": droplets,
            "links": page_links(str(request.url), page, per_page, total),
            "meta": {"total": total},
        }

    @get("/{droplet_id:int}")
    async def get_droplet(self, sim: Sim, droplet_id: FromPath[int]) -> dict[str, Any]:
        fault = sim.begin(Operation.DROPLETS_GET)
        fail_if_status_fault(fault, sim.rate_headers())
        droplet = sim.get_droplet(droplet_id)
        await hang_if_timeout(fault, sim)
        if droplet is None:
            raise ApiError(404)
        return {"droplet": droplet}

    @delete("/{droplet_id:int}")
    async def delete_droplet(self, sim: Sim, droplet_id: FromPath[int]) -> None:
        fault = sim.begin(Operation.DROPLETS_DELETE)
        fail_if_status_fault(fault, sim.rate_headers())
        deleted = sim.delete_droplet(droplet_id)
        await hang_if_timeout(fault, sim)
        if not deleted:
            raise ApiError(404)

    @delete("/")
    async def delete_tagged(self, sim: Sim, tag_name: FromQuery[str | None] = None) -> None:
        fault = sim.begin(Operation.DROPLETS_DELETE)
        fail_if_status_fault(fault, sim.rate_headers())
        if not tag_name:
            raise ApiError(422, "tag_name is required to delete droplets by tag.")
        sim.delete_tagged(tag_name)
        await hang_if_timeout(fault, sim)


@get("/actions/{action_id:int}")
async def get_action(sim: Sim, action_id: FromPath[int]) -> dict[str, Any]:
    fault = sim.begin(Operation.ACTIONS_GET)
    fail_if_status_fault(fault, sim.rate_headers())
    action = sim.get_action(action_id)
    await hang_if_timeout(fault, sim)
    if action is None:
        raise ApiError(404)
    return {"action": action}
