"""`arcadia replay --service S (--from-beginning | --from-time ISO | --from-offset P:O)`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from arcadia_ops.cli.common import places
from arcadia_ops.cli.output import OK, PROBLEM, JsonOption, emit_json, fail, out, progress, run
from arcadia_ops.cli.output import table as grid
from arcadia_ops.places import SERVICES, Places
from arcadia_ops.replay import ReplayRefused, Rewind, Target, parse_partition_offset, rewind
from arcadia_ops.replay import wait_caught_up as caught_up


def _target(beginning: bool, when: str | None, position: str | None) -> Target:
    if sum((beginning, when is not None, position is not None)) != 1:
        fail("give exactly one of --from-beginning, --from-time ISO, --from-offset P:O")
    if when is not None:
        try:
            moment = datetime.fromisoformat(when)
        except ValueError:
            fail(f"--from-time {when!r} is not an ISO timestamp")
        return Target(moment=moment if moment.tzinfo else moment.replace(tzinfo=UTC))
    if position is not None:
        try:
            partition, offset = parse_partition_offset(position)
        except ReplayRefused as exc:
            fail(str(exc))
        return Target(partition=partition, offset=offset)
    return Target(beginning=True)


def replay(
    service: Annotated[str, typer.Option("--service", help=f"one of {', '.join(SERVICES)}")],
    from_beginning: Annotated[bool, typer.Option("--from-beginning")] = False,
    from_time: Annotated[
        str | None, typer.Option("--from-time", help="ISO timestamp (UTC unless it says)")
    ] = None,
    from_offset: Annotated[
        str | None, typer.Option("--from-offset", help="PARTITION:OFFSET (needs --topic)")
    ] = None,
    topic: Annotated[
        str | None, typer.Option("--topic", help="only this topic, e.g. arcadia.billing.v1")
    ] = None,
    wait: Annotated[
        bool, typer.Option("--wait", help="then wait (progress bar) until the group caught up")
    ] = False,
    timeout_s: Annotated[float, typer.Option("--timeout", help="seconds --wait waits")] = 600.0,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="say what would move")] = False,
    as_json: JsonOption = False,
) -> None:
    """Rewind a STOPPED service's consumer group; its next start reads those events again.

    Refused (exit 1) while the group has live members: stop every process of the service first.
    The inbox makes the replay apply nothing twice. With --wait, start the service again (another
    terminal) and the command follows the group's lag down to 0, then exits."""
    if service not in SERVICES:
        fail(f"unknown service {service!r}; one of {', '.join(SERVICES)}")
    target = _target(from_beginning, from_time, from_offset)
    where = places()
    try:
        done = run(rewind(where, service, target, topic, dry_run=dry_run))
    except ReplayRefused as exc:
        if as_json:
            emit_json({"service": service, "refused": str(exc)})
        fail(str(exc), PROBLEM)
    lag = _follow(where, done, timeout_s, quiet=as_json) if wait and not dry_run else None
    if as_json:
        emit_json(
            {
                "service": service,
                "group": done.group,
                "dry_run": dry_run,
                "events": done.events,
                "partitions": done.partitions,
                "lag": lag,
            }
        )
    else:
        _print(done, dry_run, lag)
    raise typer.Exit(PROBLEM if lag else OK)


def _follow(where: Places, done: Rewind, timeout_s: float, *, quiet: bool) -> int:
    total = max(done.events, 1)
    with progress("ev", quiet=quiet) as bar:
        task = bar.add_task(f"{done.service} catching up (start it now)", total=total)

        def seen(lag: int, members: int) -> None:
            label = "catching up" if members else "waiting for a member (start it now)"
            bar.update(task, completed=max(0, total - lag), description=f"{done.service} {label}")

        return run(caught_up(where, done.service, timeout_s=timeout_s, on_lag=seen))


def _print(done: Rewind, dry_run: bool, lag: int | None) -> None:
    verb = "would rewind" if dry_run else "rewound"
    out.print(
        grid(
            f"{done.group}: {verb} {done.events} event(s)",
            ["topic", "partition", "committed", "now"],
            [(m.topic, m.partition, m.before, m.after) for m in done.partitions],
        )
    )
    if lag is None and not dry_run:
        out.print(f"start {done.service} again; `arcadia topics` shows its lag going down")
    elif lag == 0:
        out.print(f"[green]{done.service} caught up[/green]")
    elif lag:
        out.print(f"[red]{done.service} still lags {lag} event(s)[/red]")
