"""/v2/domains/{domain}/records: list (by fully qualified name and type), create, update, delete."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, delete, get, post, put
from litestar.params import FromPath, FromQuery, QueryParameter

from arcadia_cloudsim.errors import ApiError
from arcadia_cloudsim.faults import Operation
from arcadia_cloudsim.http.deps import Sim
from arcadia_cloudsim.http.fault_effects import fail_if_status_fault, hang_if_timeout
from arcadia_cloudsim.schemas import RecordBody, decode
from arcadia_cloudsim.validation import normalize_domain
from arcadia_cloudsim.views import page_links

PageNumber = Annotated[int, QueryParameter(ge=1)]
PerPage = Annotated[int, QueryParameter(ge=1, le=200)]
AnyRequest = Request[Any, Any, Any]


class RecordController(Controller):
    path = "/domains/{domain:str}/records"

    @get("/")
    async def list_records(
        self,
        request: AnyRequest,
        sim: Sim,
        domain: FromPath[str],
        name: FromQuery[str | None] = None,
        record_type: Annotated[str | None, QueryParameter(name="type")] = None,
        page: PageNumber = 1,
        per_page: PerPage = 20,
    ) -> dict[str, Any]:
        fault = sim.begin(Operation.RECORDS_LIST)
        fail_if_status_fault(fault, sim.rate_headers())
        zone = normalize_domain(domain)
        # Like DigitalOcean, `name` filters on the fully qualified name ("www.example.com").
        fqdn = name.lower().rstrip(".") if name else None
        kind = record_type.upper() if record_type else None
        records, total = sim.list_records(zone, fqdn, kind, page, per_page)
        await hang_if_timeout(fault, sim)
        return {
            "domain_records": records,
            "links": page_links(str(request.url), page, per_page, total),
            "meta": {"total": total},
        }

    @post("/", status_code=201)
    async def create(self, request: AnyRequest, sim: Sim, domain: FromPath[str]) -> dict[str, Any]:
        fault = sim.begin(Operation.RECORDS_CREATE)
        fail_if_status_fault(fault, sim.rate_headers())
        zone = normalize_domain(domain)
        record = sim.create_record(zone, decode(await request.body(), RecordBody))
        await hang_if_timeout(fault, sim)
        return {"domain_record": record}

    @put("/{record_id:int}")
    async def update(
        self, request: AnyRequest, sim: Sim, domain: FromPath[str], record_id: FromPath[int]
    ) -> dict[str, Any]:
        fault = sim.begin(Operation.RECORDS_UPDATE)
        fail_if_status_fault(fault, sim.rate_headers())
        zone = normalize_domain(domain)
        record = sim.update_record(zone, record_id, decode(await request.body(), RecordBody))
        await hang_if_timeout(fault, sim)
        if record is None:
            raise ApiError(404)
        return {"domain_record": record}

    @delete("/{record_id:int}")
    async def delete_record(
        self, sim: Sim, domain: FromPath[str], record_id: FromPath[int]
    ) -> None:
        fault = sim.begin(Operation.RECORDS_DELETE)
        fail_if_status_fault(fault, sim.rate_headers())
        deleted = sim.delete_record(normalize_domain(domain), record_id)
        await hang_if_timeout(fault, sim)
        if not deleted:
            raise ApiError(404)
