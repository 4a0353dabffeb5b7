"""The services' own internal HTTP paths the CLI repairs through (never SQL behind their back)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from arcadia_ops.places import Places
from arcadia_platform.service_auth import service_headers

OUTBOX = "/internal/v1/outbox"


class ServiceError(Exception):
    """A service refused or could not be reached; the message says which and why."""


CALLER = "ops"


def _headers(places: Places, service: str) -> dict[str, str]:
    # Every service's internal routes need the CLI's service credential; the gateway's (on the
    # public edge) an operator's token as well.
    headers = service_headers(CALLER, places.service_secret)
    if service != "api":
        return headers
    token = places.api_token
    if not token:
        from arcadia_ops.gateway import operator_token  # imports the gateway: only when needed

        token = operator_token()
    return {**headers, "Authorization": f"Bearer {token}"}


@asynccontextmanager
async def client(places: Places, service: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        base_url=places.urls[service],
        headers=_headers(places, service),
        timeout=places.http_timeout_s,
    ) as http:
        yield http


async def _call(places: Places, service: str, method: str, path: str, **kw: Any) -> Any:
    try:
        async with client(places, service) as http:
            response = await http.request(method, path, **kw)
    except httpx.HTTPError as exc:
        raise ServiceError(f"{service} at {places.urls[service]}: {exc!r}") from exc
    if response.status_code >= 400:
        raise ServiceError(f"{service}: {method} {path} -> {response.status_code} {response.text}")
    return response.json()


async def release_parked(places: Places, service: str, row_id: int) -> None:
    """The relay tries the row again (and parks it again if it still cannot send it)."""
    await _call(places, service, "POST", f"{OUTBOX}/parked/{row_id}/release")


async def subscribe(
    places: Places, *, tenant_id: str, deployment_id: str, plan_code: str
) -> dict[str, Any]:
    """Billing's direct subscription (active at once): what an active deployment must hold."""
    body = {
        "tenant_id": tenant_id,
        "deployment_id": deployment_id,
        "plan_code": plan_code,
        "actor": "arcadia-cli audit fix",
    }
    result: dict[str, Any] = await _call(
        places, "billing", "POST", "/internal/v1/subscriptions", json=body
    )
    return result


DRIFT = "/internal/v1/drift"


async def drift_fix(places: Places, finding_id: str, *, confirm: bool) -> dict[str, Any]:
    """Inventory fixes one finding (a dry run describing the action unless `confirm`)."""
    flag = "true" if confirm else "false"
    result: dict[str, Any] = await _call(
        places, "inventory", "POST", f"{DRIFT}/findings/{finding_id}/fix?confirm={flag}"
    )
    return result


async def drift_findings(places: Places, status: str | None) -> list[dict[str, Any]]:
    """Every finding (of `status`), oldest first, all pages."""
    found: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": 500, **({"status": status} if status else {})}
    while True:
        page = await _call(places, "inventory", "GET", f"{DRIFT}/findings", params=params)
        found.extend(page["items"])
        if not page["more"]:
            return found
        params |= {"after_first_seen": found[-1]["first_seen"], "after_id": found[-1]["id"]}


async def drift_scan(places: Places) -> dict[str, Any]:
    """Ask inventory for a scan; it runs in the background (see `drift_scan_status`)."""
    result: dict[str, Any] = await _call(places, "inventory", "POST", f"{DRIFT}/scans")
    return result


async def drift_scan_status(places: Places, scan_id: str) -> dict[str, Any]:
    result: dict[str, Any] = await _call(places, "inventory", "GET", f"{DRIFT}/scans/{scan_id}")
    return result


REBUILDS = "/internal/v1/rebuilds"


async def rebuildable(places: Places, service: str) -> list[str]:
    """The projections a service can rebuild (none if it has no rebuilds or cannot be reached)."""
    try:
        body = await _call(places, service, "GET", f"{REBUILDS}/")
    except ServiceError:
        return []
    return [p["name"] for p in body["projections"]]


async def start_rebuild(places: Places, service: str, name: str, *, swap: bool) -> dict[str, Any]:
    found: dict[str, Any] = await _call(
        places, service, "POST", f"{REBUILDS}/{name}", json={"swap": swap}
    )
    return found


async def rebuild_progress(places: Places, service: str, name: str) -> dict[str, Any]:
    found: dict[str, Any] = await _call(places, service, "GET", f"{REBUILDS}/{name}")
    return found


async def abort_saga(places: Places, saga_id: str, reason: str | None) -> dict[str, Any]:
    """The gateway's operator abort (it owns the saga record and announces the abort)."""
    body = {"reason": reason} if reason else {}
    found: dict[str, Any] = await _call(
        places, "api", "POST", f"/api/v1/sagas/{saga_id}/abort", json=body
    )
    return found
