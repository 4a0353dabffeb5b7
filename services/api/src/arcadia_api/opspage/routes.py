"""/ops (the page) and /ops/assets (its script and stylesheet): public static files; every
number on the page comes from the operator-only JSON APIs it calls with the pasted token."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from litestar import Response, Router, get
from litestar.enums import MediaType
from litestar.static_files import create_static_files_router

ASSETS_DIR: Final = Path(__file__).parent / "assets"
PAGE_PATH: Final = "/ops"
# The page reads its own origin only, and the token never leaves it.
CSP: Final = (
    "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; frame-ancestors 'none'"
)


def ops_page_routes() -> list[Router]:
    page = (ASSETS_DIR / "index.html").read_text(encoding="utf-8")

    @get(PAGE_PATH, include_in_schema=False, sync_to_thread=False)
    def ops_page() -> Response[str]:
        return Response(
            page,
            media_type=MediaType.HTML,
            headers={"Content-Security-Policy": CSP, "Cache-Control": "no-store"},
        )

    assets = create_static_files_router(
        path=f"{PAGE_PATH}/assets",
        directories=[ASSETS_DIR],
        name="ops-page-assets",
        include_in_schema=False,
    )
    return [Router(path="/", route_handlers=[ops_page]), assets]
