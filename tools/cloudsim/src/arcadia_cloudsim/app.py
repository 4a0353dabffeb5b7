"""The cloudsim app factory: DigitalOcean API v2 paths under /v2, dev endpoints under /_sim."""

from __future__ import annotations

from litestar import Litestar, Response, Router, get
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import HTTPException

from arcadia_cloudsim.config import SimConfig
from arcadia_cloudsim.errors import (
    ApiError,
    handle_api_error,
    handle_http_exception,
    handle_unexpected,
)
from arcadia_cloudsim.http.auth import bearer_guard
from arcadia_cloudsim.http.dev import DevController
from arcadia_cloudsim.http.droplets import DropletController, get_action
from arcadia_cloudsim.http.records import RecordController
from arcadia_cloudsim.simulator import Simulator


@get("/health", include_in_schema=False, sync_to_thread=False)
def health() -> dict[str, str]:
    return {"status": "ok"}


def create_app(config: SimConfig) -> Litestar:
    sim = Simulator(config)

    def provide_simulator() -> Simulator:
        return sim

    def add_rate_headers(response: Response[object]) -> Response[object]:
        for name, value in sim.rate_headers().items():
            response.headers[name] = value
        return response

    api = Router(
        path="/v2",
        route_handlers=[DropletController, RecordController, get_action],
        guards=[bearer_guard(config.token, sim)],
        after_request=add_rate_headers,
    )
    return Litestar(
        route_handlers=[api, DevController, health],
        # Kept reachable for the embedded server, which releases hanging requests on shutdown.
        state=State({"simulator": sim}),
        dependencies={"sim": Provide(provide_simulator, sync_to_thread=False)},
        exception_handlers={
            ApiError: handle_api_error,
            HTTPException: handle_http_exception,
            500: handle_unexpected,
        },
        openapi_config=None,
    )
