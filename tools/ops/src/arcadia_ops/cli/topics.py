"""`arcadia topics` (offsets, lag, outbox backlog) and `arcadia outbox parked | release ID`."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from arcadia_ops.backlog import Backlog, backlogs, parked_rows
from arcadia_ops.cli.common import ServiceOption, check_service, places
from arcadia_ops.cli.output import OK, PROBLEM, JsonOption, age, emit_json, fail, out, run, table
from arcadia_ops.kafka_state import GroupLag, PartitionOffsets, group_lags, topic_offsets
from arcadia_ops.services import ServiceError, release_parked

outbox_app = typer.Typer(help="Rows the outbox relay parked.", no_args_is_help=True)


def topics(as_json: JsonOption = False) -> None:
    """Topics, offsets, consumer lag, and each outbox's backlog and parked rows.

    Per topic and partition the start and end offsets; per service's consumer group its state,
    members, committed offsets and lag; per service's outbox the unsent rows, the oldest one's age
    and the parked rows. Exit 1 if a group lags with no live member or a row is parked."""
    where = places()

    async def gather() -> tuple[list[PartitionOffsets], list[GroupLag], list[Backlog]]:
        return await asyncio.gather(topic_offsets(where), group_lags(where), backlogs(where))

    offsets, lags, backlog = run(gather())
    problem = any(g.lag and not g.members for g in lags) or any(b.parked for b in backlog)
    if as_json:
        emit_json({"topics": offsets, "groups": lags, "outbox": backlog, "problem": problem})
        raise typer.Exit(PROBLEM if problem else OK)
    out.print(
        table(
            "topics",
            ["topic", "partition", "start", "end"],
            [(p.topic, p.partition, p.start, p.end) for p in offsets],
        )
    )
    out.print(
        table(
            "consumer groups",
            [
                "service",
                "group",
                "state",
                "members",
                "topic",
                "partition",
                "committed",
                "end",
                "lag",
            ],
            [
                (
                    g.service,
                    g.group,
                    g.state,
                    g.members,
                    p.topic,
                    p.partition,
                    p.committed,
                    p.end,
                    p.lag,
                )
                for g in lags
                for p in g.partitions
                if p.lag or p.end
            ],
        )
    )
    out.print(
        table(
            "outbox",
            ["service", "unsent", "oldest unsent", "parked"],
            [(b.service, b.unsent, age(b.oldest_unsent_age), b.parked) for b in backlog],
        )
    )
    for g in lags:
        style = "red" if g.lag and not g.members else ("yellow" if g.lag else "green")
        out.print(f"[{style}]{g.service}: lag {g.lag}, {g.members} member(s), {g.state}[/{style}]")
    raise typer.Exit(PROBLEM if problem else OK)


@outbox_app.command("parked")
def parked(service: ServiceOption = None, as_json: JsonOption = False) -> None:
    """Parked rows of every service (or one); exit 1 if there is any."""
    check_service(service)
    rows = run(parked_rows(places(), service))
    if as_json:
        emit_json(rows)
    else:
        out.print(
            table(
                f"parked outbox rows ({len(rows)})",
                ["service", "id", "topic", "key", "type", "parked at", "reason", "release with"],
                [
                    (
                        r.service,
                        r.id,
                        r.topic,
                        r.key,
                        r.event_type,
                        r.parked_at,
                        r.park_reason,
                        f"arcadia outbox release {r.id} --service {r.service}",
                    )
                    for r in rows
                ],
            )
        )
    raise typer.Exit(PROBLEM if rows else OK)


@outbox_app.command("release")
def release(
    row_id: Annotated[int, typer.Argument(help="the parked row's id")],
    service: ServiceOption = None,
    as_json: JsonOption = False,
) -> None:
    """Unpark a row through its service, so the relay tries it again.

    POST /internal/v1/outbox/parked/ID/release on the service (the gateway's with an operator
    token). Without --service, the one service where that id is parked."""
    check_service(service)
    where = places()
    if service is None:
        owners = sorted({r.service for r in run(parked_rows(where)) if r.id == row_id})
        if len(owners) != 1:
            fail(f"row {row_id} is parked in {owners or 'no service'}: give --service", PROBLEM)
        service = owners[0]
    try:
        run(release_parked(where, service, row_id))
    except ServiceError as exc:
        fail(str(exc), PROBLEM)
    if as_json:
        emit_json({"service": service, "id": row_id, "released": True})
    else:
        out.print(f"[green]released[/green] {service} outbox row {row_id}")
