"""Public documentation routes: /asyncapi.json, /asyncapi and Swagger UI's assets."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Response, Router, get
from litestar.enums import MediaType

from arcadia_api.apidocs.asyncapi_page import render
from arcadia_api.apidocs.openapi import assets_router
from arcadia_contracts.asyncapi import document


def asyncapi_router(doc: dict[str, Any]) -> Router:
    """/asyncapi.json (the document, as docs/asyncapi.json holds it) and /asyncapi (the page);
    both rendered once, when the app is built."""
    as_json = msgspec.json.encode(doc)
    as_html = render(doc)

    @get("/asyncapi.json", include_in_schema=False, sync_to_thread=False)
    def asyncapi_json() -> Response[bytes]:
        return Response(as_json, media_type=MediaType.JSON)

    @get("/asyncapi", include_in_schema=False, sync_to_thread=False)
    def asyncapi_page() -> Response[str]:
        return Response(as_html, media_type=MediaType.HTML)

    return Router(path="/", route_handlers=[asyncapi_json, asyncapi_page])


def docs_routes() -> list[Router]:
    return [asyncapi_router(document()), assets_router()]
