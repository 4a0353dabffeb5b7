"""`arcadia dlq list | show ID | redrive [ID ...]` with --topic/--reason/--since."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.text import Text

from arcadia_ops.cli.common import parse_since, places
from arcadia_ops.cli.output import (
    OK,
    PROBLEM,
    JsonOption,
    emit_json,
    err,
    fail,
    out,
    progress,
    run,
    table,
)
from arcadia_ops.dead_letters import DeadLetter, Filters, NotRedrivable, noted, read, redrive
from arcadia_ops.jsonable import plain
from arcadia_ops.places import Places

app = typer.Typer(help="Dead letters: list, show and redrive them.", no_args_is_help=True)

TopicOption = Annotated[
    str | None, typer.Option("--topic", help="origin topic (or its .dlq), e.g. arcadia.billing.v1")
]
ReasonOption = Annotated[str | None, typer.Option("--reason", help="e.g. handler_failed")]
SinceOption = Annotated[
    str | None, typer.Option("--since", help="30s, 15m, 2h, 1d ago, or an ISO timestamp")
]


def load(where: Places, filters: Filters, *, quiet: bool) -> list[DeadLetter]:
    with progress("rec", quiet=quiet) as bar:
        task = bar.add_task("reading the DLQs", total=None)
        return run(
            read(
                where,
                filters,
                on_total=lambda n: bar.update(task, total=n),
                on_read=lambda n: bar.advance(task, n),
            )
        )


def summary(letter: DeadLetter) -> dict[str, object]:
    return {k: v for k, v in vars(letter).items() if k not in ("key", "value", "headers")} | {
        "key": letter.key.decode("utf-8", "replace") if letter.key else None
    }


@app.command("list")
def list_command(
    topic: TopicOption = None,
    reason: ReasonOption = None,
    since: SinceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Every dead letter (oldest first); exit 1 if there is any."""
    letters = load(places(), Filters(topic, reason, parse_since(since)), quiet=as_json)
    if as_json:
        emit_json([summary(x) for x in letters])
    else:
        out.print(
            table(
                f"dead letters ({len(letters)})",
                ["id", "at", "reason", "consumer", "origin", "detail"],
                [
                    (
                        x.id,
                        x.at,
                        Text(x.reason, style="bold red"),
                        x.consumer,
                        f"{x.origin_topic}:{x.origin_partition}:{x.origin_offset}",
                        ("[redriven, failed again] " if x.redriven_from else "") + x.detail[:120],
                    )
                    for x in letters
                ],
            )
        )
    raise typer.Exit(PROBLEM if letters else OK)


def find(where: Places, ids: list[str], *, quiet: bool) -> list[DeadLetter]:
    topics = {i.rsplit(":", 2)[0] for i in ids}
    letters = [
        x for t in sorted(topics) for x in load(where, Filters(topic=t), quiet=quiet) if x.id in ids
    ]
    missing = sorted(set(ids) - {x.id for x in letters})
    if missing:
        fail(f"no such dead letter: {', '.join(missing)} (see `arcadia dlq list`)", PROBLEM)
    return letters


@app.command("show")
def show(
    letter_id: Annotated[str, typer.Argument(help="as `dlq list` shows it")],
    as_json: JsonOption = False,
) -> None:
    """One dead letter: its reason, origin, headers, key and value."""
    where = places()
    (letter,) = find(where, [letter_id], quiet=as_json)
    note = run(noted(where, letter))
    if as_json:
        emit_json({**plain(letter), "noted": note})
        return
    fields = {**summary(letter), "noted by the consumer": note}
    out.print(table(letter.id, ["field", "value"], sorted(fields.items())))
    out.print(
        table(
            "headers",
            ["name", "value"],
            [(k, (v or b"").decode("utf-8", "backslashreplace")) for k, v in letter.headers],
        )
    )
    body = letter.value.decode("utf-8", "backslashreplace") if letter.value is not None else None
    out.print("[bold]value[/bold]:")
    out.print(body if body is not None else "(none)", markup=False)


@app.command("redrive")
def redrive_command(
    ids: Annotated[list[str] | None, typer.Argument(help="dead letters by id")] = None,
    topic: TopicOption = None,
    reason: ReasonOption = None,
    since: SinceOption = None,
    yes: Annotated[bool, typer.Option("--yes", help="send (without it: a dry run)")] = False,
    as_json: JsonOption = False,
) -> None:
    """Send dead letters back to their origin topic (a dry run unless --yes).

    Key, value and headers go back as they were, plus `arcadia-redriven-from`; the consumers'
    inbox applies each event once. By filter, an entry that already failed after a redrive is
    skipped: name it by id to send it again."""
    where = places()
    if ids:
        letters = find(where, ids, quiet=as_json)
    elif topic or reason or since:
        found = load(where, Filters(topic, reason, parse_since(since)), quiet=as_json)
        letters = [x for x in found if x.redriven_from is None]
    else:
        fail("name dead letters by id, or select them with --topic/--reason/--since")
    if not yes:
        if as_json:
            emit_json({"dry_run": True, "would_redrive": [x.id for x in letters]})
        else:
            for x in letters:
                out.print(f"would redrive {x.id} -> {x.origin_topic} ({x.reason})", markup=False)
            out.print("[yellow]dry run: add --yes to send[/yellow]")
        raise typer.Exit(OK)
    try:
        with progress("rec", quiet=as_json) as bar:
            task = bar.add_task("redriving", total=len(letters))
            sent = run(redrive(where, letters, on_sent=lambda n: bar.advance(task, n)))
    except NotRedrivable as exc:
        fail(str(exc), PROBLEM)
    if as_json:
        emit_json(
            [{"id": x.id, "topic": x.origin_topic, "partition": p, "offset": o} for x, p, o in sent]
        )
        return
    for x, p, o in sent:
        out.print(f"[green]redriven[/green] {x.id} -> {x.origin_topic}:{p}:{o}")
    err.print(f"{len(sent)} redriven; the consumers' inbox applies each once")
