"""How every command speaks: Rich tables and colour for people, `--json` for scripts, exit codes."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Coroutine, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Annotated, Any, NoReturn, TypeVar

import asyncpg
import httpx
import typer
from aiokafka.errors import KafkaError
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from arcadia_ops.jsonable import plain

T = TypeVar("T")

OK = 0
PROBLEM = 1  # the command worked and found something wrong
USAGE = 2
UNREACHABLE = 3  # a database, Kafka or a service could not be read
UNREACHABLE_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    KafkaError,
    httpx.HTTPError,
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead.")]

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run one piece of async work; a store out of reach is a message and exit 3, no traceback."""
    try:
        return asyncio.run(coro)
    except UNREACHABLE_ERRORS as exc:
        fail(f"cannot read what is there: {type(exc).__name__}: {exc}", UNREACHABLE)


def emit_json(value: Any) -> None:
    sys.stdout.write(json.dumps(plain(value), indent=2, sort_keys=False) + "\n")


def fail(message: str, code: int = USAGE) -> NoReturn:
    # The message may quote anything (an error, a reason): never read it as markup.
    err.print(Text.assemble(("arcadia: ", "red"), message))
    raise typer.Exit(code)


def table(title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> Table:
    grid = Table(title=title, title_justify="left", header_style="bold cyan")
    for column in columns:
        grid.add_column(column, overflow="fold")
    for row in rows:
        grid.add_row(*(cell if isinstance(cell, Text) else Text(_cell(cell)) for cell in row))
    return grid


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, timedelta):
        return age(value)
    return str(value)


def age(delta: timedelta | None) -> str:
    if delta is None:
        return "-"
    seconds = delta.total_seconds()
    if seconds < 120:
        return f"{seconds:.1f}s"
    if seconds < 7200:
        return f"{seconds / 60:.1f}m"
    return f"{seconds / 3600:.1f}h"


def status(text: str, good: bool) -> Text:
    return Text(text, style="green" if good else "bold red")


class RateColumn(ProgressColumn):
    """Items per second, e.g. `1,204 rec/s`."""

    def __init__(self, unit: str) -> None:
        super().__init__()
        self._unit = unit

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed or 0:,.0f} {self._unit}/s", style="magenta")


def progress(unit: str, *, quiet: bool) -> Progress:
    """A progress bar with a rate, on stderr (so `--json` output stays clean); off when quiet."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(unit),
        TimeElapsedColumn(),
        console=err,
        disable=quiet,
        transient=True,
    )
