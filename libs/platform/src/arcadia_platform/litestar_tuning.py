"""Two measured cuts to Litestar's per-request work (2.x), applied by `service_app` at start.

Both were found with py-spy on the gateway under wrk (`make bench-api --profile`):

1. **Dependencies are resolved one after another.** Litestar resolves each batch of mutually
   independent dependencies in an anyio task group: for `runtime` and `principal`, which return
   objects that already exist, that is a cancel scope and two tasks per request, 10 % of the
   gateway's CPU on `GET /api/v1/deployments/{id}`. Every provider on the platform is a plain
   synchronous function (`sync_to_thread=False`) that waits on nothing, so running them in order
   changes no result, only removes the tasks. A provider that waits on I/O would only lose the
   overlap, never correctness.
2. **Guards receive the route handler itself.** Litestar passes each guard call a shallow copy
   of the handler (`copy(self)`), 4 % of `GET /api/v1/deployments`. No guard of ours modifies it
   (most ignore it).

The replaced functions are checked against Litestar's own at import: an upgrade that changes
them fails the unit test `libs/platform/tests/test_litestar_tuning.py` instead of silently
running different code.
"""

from __future__ import annotations

from typing import Any

from litestar._kwargs.cleanup import DependencyCleanupGroup
from litestar._kwargs.dependencies import resolve_dependency
from litestar._kwargs.kwargs_model import KwargsModel
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

ORIGINALS = {
    "resolve_dependencies": KwargsModel.resolve_dependencies,
    "authorize_connection": BaseRouteHandler.authorize_connection,
}


async def resolve_dependencies_in_order(
    self: KwargsModel, connection: ASGIConnection[Any, Any, Any, Any], kwargs: dict[str, Any]
) -> DependencyCleanupGroup:
    """Litestar's `KwargsModel.resolve_dependencies`, one dependency at a time (batches keep
    their order, so a dependency still sees every one it needs already resolved)."""
    cleanup_group = DependencyCleanupGroup()
    for batch in self.dependency_batches:
        for dependency in batch:
            await resolve_dependency(dependency, connection, kwargs, cleanup_group)
    return cleanup_group


async def authorize_without_copy(
    self: BaseRouteHandler, connection: ASGIConnection[Any, Any, Any, Any]
) -> None:
    """Litestar's `BaseRouteHandler.authorize_connection`, minus the copy per guard call."""
    for guard in self.resolve_guards():
        await guard(connection, self)  # type: ignore[misc]


def apply() -> None:
    """Idempotent: install both replacements."""
    KwargsModel.resolve_dependencies = resolve_dependencies_in_order  # type: ignore[method-assign]
    BaseRouteHandler.authorize_connection = authorize_without_copy  # type: ignore[method-assign]
