"""`arcadia rebuild PROJECTION`: a read model rebuilt from offset 0 into fresh tables, swapped in."""

from __future__ import annotations

import asyncio
import time
from typing import Annotated, Any

import typer
from rich.text import Text

from arcadia_ops.cli.common import places
from arcadia_ops.cli.output import OK, PROBLEM, JsonOption, emit_json, fail, out, progress, run
from arcadia_ops.places import SERVICES, Places
from arcadia_ops.services import ServiceError, rebuild_progress, rebuildable, start_rebuild

# Any service may hold read models: billing's of the others' facts, the gateway's of billing's
# subscriptions (api.subscriptions), the inventory's resources (inventory.resources: rebuilt in
# its consumer's order, see arcadia_platform.rebuild_ordered).
OWNERS = SERVICES


async def _owner(where: Places, projection: str) -> tuple[str, str]:
    """(service, name) for `service.name` (or `service-name`) or a plain name only one service
    has."""
    if "." in projection:
        service, name = projection.split(".", 1)
        return service, name
    service, _, name = projection.partition("-")
    if service in OWNERS and name:
        return service, name
    found = await asyncio.gather(*(rebuildable(where, s) for s in OWNERS))
    owners = [s for s, names in zip(OWNERS, found, strict=True) if projection in names]
    known = sorted(f"{s}.{n}" for s, names in zip(OWNERS, found, strict=True) for n in names)
    if len(owners) != 1:
        raise ServiceError(
            f"projection {projection!r} is held by {owners or 'no service'};"
            f" known: {', '.join(known) or 'none'}"
        )
    return owners[0], projection


def rebuild(
    projection: Annotated[
        str,
        typer.Argument(
            help="e.g. deployments (billing's view), or SERVICE.NAME: inventory.resources"
        ),
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="build and compare with the live tables; swap nothing")
    ] = False,
    timeout_s: Annotated[float, typer.Option("--timeout", help="seconds to wait")] = 3600.0,
    as_json: JsonOption = False,
) -> None:
    """Rebuild a read model from offset 0 into fresh tables, then swap them in.

    The owning service reads the projection's topics from the beginning (no consumer group, no
    commit), applies its own projection code into a shadow schema, catches up under a lock on the
    live tables, counts the rows that differ, and swaps the tables in one transaction. Exit 1 if
    it failed, or if a --dry-run found differing rows."""
    where = places()
    try:
        service, name = run(_owner(where, projection))
        started = run(start_rebuild(where, service, name, swap=not dry_run))
        final = _follow(where, service, name, started, timeout_s, quiet=as_json)
    except ServiceError as exc:
        if as_json:
            emit_json({"projection": projection, "status": "failed", "error": str(exc)})
        fail(str(exc), PROBLEM)
    final |= {"service": service}
    problem = final["status"] == "failed" or (dry_run and final["differing_rows"] > 0)
    if as_json:
        emit_json(final)
    else:
        _print(final)
    raise typer.Exit(PROBLEM if problem else OK)


def _follow(
    where: Places, service: str, name: str, state: dict[str, Any], timeout_s: float, *, quiet: bool
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    with progress("ev", quiet=quiet) as bar:
        task = bar.add_task(f"rebuilding {service}.{name}", total=None)
        while state["status"] == "running":
            if time.monotonic() > deadline:
                raise ServiceError(f"{service}.{name} still rebuilding after {timeout_s:.0f}s")
            bar.update(task, total=state["events_total"] or None, completed=state["events_read"])
            time.sleep(0.2)
            state = run(rebuild_progress(where, service, name))
        bar.update(task, total=state["events_total"], completed=state["events_read"])
    return state


def _print(final: dict[str, Any]) -> None:
    label = f"{final['service']}.{final['projection']}"
    took = (final["finished_at"] or time.time()) - final["started_at"]
    rate = final["events_read"] / took if took > 0 else 0.0
    if final["status"] == "failed":
        out.print(Text.assemble((f"{label}: failed ", "red"), str(final["error"])))
        return
    what = "swapped in" if final["status"] == "swapped" else "compared (dry run, nothing swapped)"
    out.print(
        f"[green]{label}[/green]: {final['events_read']} events in {took:.1f}s"
        f" ({rate:,.0f} ev/s), {final['rows']} rows, {what}"
    )
    differing = final["differing_rows"]
    style = "green" if not differing else "yellow"
    out.print(f"[{style}]{differing} row(s) differed from the live model[/{style}]")
