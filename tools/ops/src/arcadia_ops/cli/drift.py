"""`arcadia drift list|scan|fix`: drift findings kept by inventory, through its internal API."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Annotated, Any

import typer

from arcadia_ops.cli.common import places
from arcadia_ops.cli.output import OK, PROBLEM, JsonOption, emit_json, fail, out, run, table
from arcadia_ops.places import Places
from arcadia_ops.services import (
    ServiceError,
    drift_findings,
    drift_fix,
    drift_scan,
    drift_scan_status,
)

app = typer.Typer(
    help="Drift between the inventory and the provider: list, scan, fix one finding.",
    no_args_is_help=True,
)


def _describe(f: dict[str, Any]) -> str:
    if f["field"]:
        return f"{f['field']}: inventory {f['expected']!r}, provider {f['actual']!r}"
    return str(f.get("detail") or "")


@app.command("list")
def list_command(
    status: Annotated[str, typer.Option("--status", help="open, closed or all")] = "open",
    as_json: JsonOption = False,
) -> None:
    """Findings, oldest first; exit 1 when open ones are listed."""
    if status not in ("open", "closed", "all"):
        fail(f"--status {status!r}: open, closed or all")
    try:
        found = run(drift_findings(places(), None if status == "all" else status))
    except ServiceError as exc:
        fail(str(exc), PROBLEM)
    if as_json:
        emit_json(found)
    else:
        columns = ["id", "kind", "subject", "status", "deployment", "first seen", "last seen"]
        rows = [
            (
                f["id"],
                f["kind"],
                f"{f['subject_kind']} {f['subject']}",
                f["status"],
                f["deployment_id"],
                f["first_seen"],
                f["last_seen"],
            )
            for f in found
        ]
        out.print(table(f"drift findings ({len(found)})", columns, rows))
    raise typer.Exit(PROBLEM if any(f["status"] == "open" for f in found) else OK)


async def _scan_and_wait(where: Places, timeout_s: float) -> dict[str, Any]:
    scan = await drift_scan(where)
    deadline = time.monotonic() + timeout_s
    while scan["status"] in ("requested", "running") and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        scan = await drift_scan_status(where, scan["id"])
    return scan


@app.command("scan")
def scan_command(
    wait_s: Annotated[float, typer.Option("--wait", help="seconds to wait for it")] = 120.0,
    as_json: JsonOption = False,
) -> None:
    """Scan now and wait for the result; exit 1 if the scan failed or opened findings."""
    try:
        scan = run(_scan_and_wait(places(), wait_s))
    except ServiceError as exc:
        fail(str(exc), PROBLEM)
    if as_json:
        emit_json(scan)
    else:
        out.print(
            f"scan {scan['id']}: {scan['status']} (found {scan['found']}, opened"
            f" {scan['opened']}, closed {scan['closed']}){' ' + scan['error'] if scan['error'] else ''}"
        )
    raise typer.Exit(OK if scan["status"] == "done" and not scan["opened"] else PROBLEM)


@app.command("fix")
def fix_command(
    finding: Annotated[str, typer.Argument(help="the finding's id")],
    yes: Annotated[bool, typer.Option("--yes", help="do it (default: a dry run)")] = False,
    as_json: JsonOption = False,
) -> None:
    """Fix one finding: an orphan is destroyed, a ghost released (its deployment shown), a DNS
    record repaired. A dry run that says what it would do unless --yes."""
    try:
        uuid.UUID(finding)
    except ValueError:
        fail(f"{finding!r} is not a finding id (a UUID)")
    try:
        result = run(drift_fix(places(), finding, confirm=yes))
    except ServiceError as exc:
        fail(str(exc), PROBLEM)
    if as_json:
        emit_json(result)
        raise typer.Exit(OK)
    f = result["finding"]
    verb = "done" if result["applied"] else "would"
    out.print(f"{f['kind']} {f['subject_kind']} {f['subject']} ({_describe(f)})")
    out.print(f"[bold]{verb}:[/bold] {result['action']}")
    if f["kind"] == "ghost" and result["deployment_id"]:
        out.print(f"it served deployment {result['deployment_id']} of {result['tenant_id']}")
    if result["applied"]:
        out.print(f"finding {f['id']}: {f['status']} ({f['close_reason']})")
    else:
        out.print("dry run: add --yes to do it")
    raise typer.Exit(OK)
