"""`arcadia`, the operators' CLI (Typer + Rich): one module per command group."""

from __future__ import annotations

from collections.abc import Sequence

import typer

from arcadia_ops.cli import audit, dlq, drift, rebuild, replay, saga, topics
from arcadia_ops.cli.token import token

app = typer.Typer(
    name="arcadia",
    help="Arcadia Cloud operators' tools. Every command takes --json. Exit 1: a problem was found;"
    " 2: a usage error; 3: a database, Kafka or a service could not be read.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """Arcadia Cloud operators' tools (a group, so that every command keeps its name)."""


app.command("token")(token)
app.add_typer(audit.app, name="audit")
app.add_typer(dlq.app, name="dlq")
app.command("topics")(topics.topics)
app.add_typer(topics.outbox_app, name="outbox")
app.add_typer(saga.app, name="saga")
app.add_typer(drift.app, name="drift")
app.command("replay")(replay.replay)
app.command("rebuild")(rebuild.rebuild)


def main(argv: Sequence[str] | None = None) -> int:
    """The console script; returns the exit code (also usable in-process with `argv`)."""
    try:
        app(args=list(argv) if argv is not None else None, prog_name="arcadia")
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    return 0
