"""`arcadia saga list --status S [--older-than D]`, `show ID`, `retry ID --step S` and `abort ID`."""

from __future__ import annotations

import uuid
from typing import Annotated

import typer
from rich.text import Text

from arcadia_ops.cli.common import parse_duration, places
from arcadia_ops.cli.output import OK, PROBLEM, JsonOption, age, emit_json, fail, out, run, table
from arcadia_ops.saga_retry import RetryRefused, retry_step
from arcadia_ops.sagas import STATUSES, list_sagas, timeline
from arcadia_ops.services import ServiceError, abort_saga

app = typer.Typer(
    help="Sagas: list them, show one's timeline across the services, retry a step, abort one.",
    no_args_is_help=True,
)

# Listing these is listing trouble: the command then exits 1 when it finds any.
TROUBLE = ("stuck", "compensation_failed")
GOOD = ("completed", "succeeded", "running", "sent", "handled", "committed")


def styled(status: str) -> Text:
    return Text(status, style="green" if status in GOOD else "bold red")


@app.command("list")
def list_command(
    status: Annotated[
        str | None,
        typer.Option(
            "--status",
            help="running, stuck (open past its deadline), compensating, "
            "compensation_failed, completed, compensated",
        ),
    ] = None,
    older_than: Annotated[
        str | None, typer.Option("--older-than", help="started more than this long ago: 10m, 2h")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Sagas, oldest first; exit 1 if --status stuck or compensation_failed finds any."""
    if status is not None and status not in STATUSES:
        fail(f"--status {status!r}: one of {', '.join(STATUSES)}")
    age_bound = parse_duration(older_than) if older_than else None
    sagas = run(list_sagas(places(), status=status, older_than=age_bound))
    if as_json:
        emit_json(sagas)
    else:
        out.print(
            table(
                f"sagas ({len(sagas)})",
                ["id", "deployment", "tenant", "kind", "status", "started", "deadline", "reason"],
                [
                    (
                        s.id,
                        s.deployment_id,
                        s.tenant_id,
                        s.kind,
                        styled(s.status),
                        s.started_at,
                        s.deadline_at,
                        s.reason,
                    )
                    for s in sagas
                ],
            )
        )
    raise typer.Exit(PROBLEM if sagas and status in TROUBLE else OK)


@app.command("show")
def show(
    saga_id: Annotated[str, typer.Argument(help="the saga's id")], as_json: JsonOption = False
) -> None:
    """A saga's steps with their durations, and its timeline across the four services.

    Every event whose envelope names the saga (saga or correlation id): when each service
    committed it to its outbox, when it was sent, when each consumer's inbox handled it."""
    try:
        uuid.UUID(saga_id)
    except ValueError:
        fail(f"{saga_id!r} is not a saga id (a UUID)")
    found = run(timeline(places(), saga_id))
    if found is None:
        fail(f"no saga {saga_id}", PROBLEM)
    if as_json:
        emit_json(found)
        raise typer.Exit(OK if found.saga.status != "compensation_failed" else PROBLEM)
    s = found.saga
    failed = f" (failed step {s.failed_step}: {s.reason})" if s.failed_step else ""
    out.print(
        Text.assemble(
            (f"{s.kind} saga {s.id}", "bold"),
            f" of deployment {s.deployment_id} ({s.tenant_id}): ",
            styled(s.status),
            failed,
        )
    )
    out.print(
        table(
            "steps",
            ["#", "step", "status", "attempts", "started", "took", "last error"],
            [
                (
                    st.position,
                    st.step,
                    styled(st.status),
                    st.attempts,
                    st.started_at,
                    age(st.duration),
                    st.last_error,
                )
                for st in found.steps
            ],
        )
    )
    out.print(
        table(
            "timeline",
            ["at", "+", "service", "what", "event", "event id"],
            [
                (
                    m.at.strftime("%H:%M:%S.%f")[:-3],
                    age(m.since_previous),
                    m.service,
                    m.what,
                    m.event_type,
                    m.event_id,
                )
                for m in found.moments
            ],
        )
    )
    raise typer.Exit(OK if s.status != "compensation_failed" else PROBLEM)


SagaId = Annotated[str, typer.Argument(help="the saga's id")]


def _check_id(saga_id: str) -> None:
    try:
        uuid.UUID(saga_id)
    except ValueError:
        fail(f"{saga_id!r} is not a saga id")


@app.command("retry")
def retry(
    saga_id: SagaId,
    step: Annotated[str, typer.Option("--step", help="e.g. reserve_subscription, point_dns")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="say what would be sent")] = False,
    as_json: JsonOption = False,
) -> None:
    """Send a running saga's step trigger again, so its performer runs the step's own idempotent
    handler (the inbox applies it once).

    The trigger is the event of the step before, read from its producer's outbox; if the
    performer's inbox already took it, nothing is sent and the command exits 1 (the step is
    stuck elsewhere: see `arcadia saga show`)."""
    _check_id(saga_id)
    try:
        done = run(retry_step(places(), saga_id, step, dry_run=dry_run))
    except RetryRefused as exc:
        if as_json:
            emit_json({"saga_id": saga_id, "step": step, "refused": str(exc)})
        fail(str(exc), PROBLEM)
    if as_json:
        emit_json(done)
    elif done.handled_at is not None:
        out.print(
            f"[yellow]{done.performer} already handled[/yellow] {done.trigger} {done.event_id}"
            f" at {done.handled_at:%Y-%m-%d %H:%M:%S}: nothing sent;"
            f" see `arcadia saga show {saga_id}`"
        )
    elif done.sent:
        out.print(
            f"[green]sent again[/green] {done.trigger} {done.event_id} to {done.topic}"
            f" [{done.partition}:{done.offset}] for {done.performer} ({step})"
        )
    else:
        out.print(f"would send {done.trigger} {done.event_id} to {done.topic} for {done.performer}")
    raise typer.Exit(PROBLEM if done.handled_at is not None else OK)


@app.command("abort")
def abort(
    saga_id: SagaId,
    reason: Annotated[
        str | None, typer.Option("--reason", help="why (in the saga's record)")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Abort a running provisioning saga through the gateway (POST /api/v1/sagas/ID/abort):
    every participant undoes its part; the deployment ends cancelled. Exit 1 if refused."""
    _check_id(saga_id)
    try:
        saga = run(abort_saga(places(), saga_id, reason))
    except ServiceError as exc:
        if as_json:
            emit_json({"saga_id": saga_id, "refused": str(exc)})
        fail(str(exc), PROBLEM)
    if as_json:
        emit_json(saga)
    else:
        out.print(
            f"[yellow]aborted[/yellow] saga {saga_id}: {saga['status']} at step"
            f" {saga['failed_step']}; follow it with `arcadia saga show {saga_id}`"
        )
