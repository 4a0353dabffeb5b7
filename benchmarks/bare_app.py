"""The bare reference of `make bench-api`: Litestar + msgspec on uvicorn (one worker, the same
server options as the services), answering the benchmarked paths with fixed bodies of the same
shape and no I/O. `python -m benchmarks.bare_app PORT`."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from uuid import UUID, uuid4

import msgspec
from litestar import Litestar, get

from arcadia_platform.http import serve

NOW = datetime(2026, 1, 1, tzinfo=UTC)


class Item(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    tenant_id: str
    slug: str
    state: str
    created_at: datetime
    updated_at: datetime


class Page(msgspec.Struct, frozen=True, kw_only=True):
    items: list[Item]
    next_cursor: str | None


def _item(deployment_id: UUID) -> Item:
    return Item(
        id=deployment_id, tenant_id="bench", slug="app", state="active", created_at=NOW,
        updated_at=NOW,
    )  # fmt: skip


ITEMS = [_item(uuid4()) for _ in range(20)]


@get("/api/v1/deployments/{deployment_id:uuid}")
async def detail(deployment_id: UUID) -> dict[str, object]:
    return {"deployment": _item(deployment_id), "events": [], "subscription": None}


@get("/api/v1/deployments")
async def page(limit: int = 20) -> Page:
    return Page(items=ITEMS[:limit], next_cursor=None)


@get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


app = Litestar([detail, page, health])

if __name__ == "__main__":
    serve(app, "127.0.0.1", int(sys.argv[1]))
