"""Where a saga's latency goes, hop by hop: paced sagas, then every outbox and inbox row they left.

    uv run python -m benchmarks.hops [--rate R] [--count N]

For each event the sagas caused, two delays, read from the services' own tables:
- **relay**: from the outbox row's insert (`created_at`, inside the writer's transaction) to the
  relay marking it sent (`sent_at`, stamped after Kafka acknowledged it): the rest of the writer's
  transaction, its commit, the relay's wake-up, and the produce round trip;
- **consume**: from `sent_at` to the consumer's inbox row (`processed_at`, stamped as its
  transaction applies the event): the fetch, waiting for the batch before it, and the handlers
  of the events ahead of it in its own batch.

The acknowledgement can reach the relay after the consumer already has the record, so a little of
each hop's Kafka time is counted in relay instead of consume; the sum is exact.

Prints a table per kind of hop and the timeline of the median saga, writes
bench-results/hops.json, and appends one dated row to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from itertools import chain
from pathlib import Path
from typing import Any

import asyncpg

from arcadia_platform.settings import DEFAULT_DATABASE_URL, DEFAULT_KAFKA
from arcadia_testing.plugin import ROOT, Infra, ServiceProcess
from arcadia_testing.saga_driver import SagaDriver
from arcadia_testing.stack import drop_stack, start_stack
from benchmarks.report import append_rows, today
from benchmarks.saga import QUIET, percentile, summarise

RESULTS = ROOT / "bench-results" / "hops.json"
HEADING = "## Hop by hop: where a saga's latency goes (`make bench-hops`)"
SECTION = """Medians over every event the paced sagas caused (`benchmarks/hops.py` says what each
delay covers). `relay` is the outbox-to-Kafka side of a hop, `consume` the Kafka-to-handler side,
per consuming service.

| date | rate /s | sagas | saga p50 ms | relay p50 ms | consume p50 ms: api / billing / inventory / provisioner |
|---|---|---|---|---|---|"""


@dataclass(frozen=True)
class Sent:
    service: str
    event_type: str
    key: bytes | None
    created_at: datetime
    sent_at: datetime | None


@dataclass(frozen=True)
class Handled:
    consumer: str
    processed_at: datetime


def ms(later: datetime, earlier: datetime) -> float:
    return (later - earlier).total_seconds() * 1000


def spread(values: list[float]) -> dict[str, float]:
    return {
        "p50": round(percentile(values, 0.5), 1),
        "p90": round(percentile(values, 0.9), 1),
        "n": len(values),
    }


def delays(
    outbox: Mapping[Any, Sent], inbox: Mapping[Any, list[Handled]]
) -> tuple[dict[str, list[float]], dict[tuple[str, str], list[float]]]:
    """Relay delays by "<service>:<type>", consume delays by that and the consumer, in ms; rows
    not sent yet are left out of both."""
    relay: dict[str, list[float]] = defaultdict(list)
    consume: dict[tuple[str, str], list[float]] = defaultdict(list)
    for event_id, row in outbox.items():
        if row.sent_at is None:
            continue
        name = f"{row.service}:{row.event_type}"
        relay[name].append(ms(row.sent_at, row.created_at))
        for handled in inbox.get(event_id, []):
            consume[(name, handled.consumer)].append(ms(handled.processed_at, row.sent_at))
    return relay, consume


def hop_delays(
    outbox: Mapping[Any, Sent], inbox: Mapping[Any, list[Handled]]
) -> dict[str, dict[str, dict[str, float]]]:
    """{"relay": {"<service>:<type>": spread}, "consume": {"<service>:<type> -> <consumer>": ...}}."""
    relay, consume = delays(outbox, inbox)
    by_hop = {f"{name} -> {consumer}": v for (name, consumer), v in consume.items()}
    return {
        "relay": {name: spread(v) for name, v in sorted(relay.items())},
        "consume": {name: spread(v) for name, v in sorted(by_hop.items())},
    }


def by_consumer(outbox: Mapping[Any, Sent], inbox: Mapping[Any, list[Handled]]) -> dict[str, float]:
    """The median consume delay of each consuming service, over every event it handled."""
    found: dict[str, list[float]] = defaultdict(list)
    for (_, consumer), values in delays(outbox, inbox)[1].items():
        found[consumer].extend(values)
    return {consumer: round(percentile(v, 0.5), 1) for consumer, v in sorted(found.items())}


def timeline(
    key: bytes, outbox: Mapping[Any, Sent], inbox: Mapping[Any, list[Handled]]
) -> list[tuple[float, str]]:
    """One saga's events (by their Kafka key), in time order, in ms from its first outbox row."""
    marks: list[tuple[datetime, str]] = []
    for event_id, row in outbox.items():
        if row.key != key:
            continue
        marks.append((row.created_at, f"written {row.service}:{row.event_type}"))
        if row.sent_at is not None:
            marks.append((row.sent_at, f"sent    {row.service}:{row.event_type}"))
        for handled in inbox.get(event_id, []):
            marks.append((handled.processed_at, f"handled {handled.consumer} <- {row.event_type}"))
    marks.sort()
    if not marks:
        return []
    start = marks[0][0]
    return [(round(ms(at, start), 1), what) for at, what in marks]


async def read_rows(
    databases: Mapping[str, str], since: datetime
) -> tuple[dict[Any, Sent], dict[Any, list[Handled]]]:
    outbox: dict[Any, Sent] = {}
    inbox: dict[Any, list[Handled]] = defaultdict(list)
    for service, url in databases.items():
        conn = await asyncpg.connect(url)
        try:
            for r in await conn.fetch(
                "SELECT event_id, headers->>'event-type' AS type, key, created_at, sent_at"
                " FROM outbox WHERE created_at >= $1",
                since,
            ):
                outbox[r["event_id"]] = Sent(
                    service, r["type"], r["key"], r["created_at"], r["sent_at"]
                )
            for r in await conn.fetch(
                "SELECT consumer, event_id, processed_at FROM inbox WHERE processed_at >= $1",
                since,
            ):
                inbox[r["event_id"]].append(Handled(r["consumer"], r["processed_at"]))
        finally:
            await conn.close()
    return outbox, dict(inbox)


async def measure(rate: float, count: int) -> dict[str, Any]:
    infra = Infra(kafka=DEFAULT_KAFKA, database_server=DEFAULT_DATABASE_URL)
    with tempfile.TemporaryDirectory() as logs:

        def make(args: list[str], env: dict[str, str], name: str) -> ServiceProcess:
            return ServiceProcess(args, env, Path(logs) / f"{name}.log")

        stack = await start_stack(infra, make, env=QUIET)
        try:
            await SagaDriver(stack, concurrency=10).run(20)  # warm-up, left out below
            await asyncio.sleep(1)
            conn = await asyncpg.connect(stack.databases["api"])
            try:
                since = await conn.fetchval("SELECT clock_timestamp()")
            finally:
                await conn.close()
            runs = await SagaDriver(stack, concurrency=100, rate=rate).run(count)
            await asyncio.sleep(2)  # the events after activation (billing's) settle too
            outbox, inbox = await read_rows(stack.databases, since)
        finally:
            await drop_stack(infra, stack)
    sagas = summarise(runs, 100, rate)
    done = sorted(
        (r for r in runs if r.finished_at is not None),
        key=lambda r: (r.finished_at or r.sent_at) - r.sent_at,
    )
    median = done[len(done) // 2]
    return {
        "sagas": sagas,
        "hops": hop_delays(outbox, inbox),
        "relay_p50_ms": round(percentile(list(chain(*delays(outbox, inbox)[0].values())), 0.5), 1),
        "consume_p50_ms": by_consumer(outbox, inbox),
        "median_saga": {
            "latency_ms": round(
                ((median.finished_at or median.sent_at) - median.sent_at) * 1000, 1
            ),
            "timeline": timeline(median.deployment_id.encode(), outbox, inbox),
        },
    }


def table_row(result: Mapping[str, Any]) -> str:
    sagas = result["sagas"]
    consume = result["consume_p50_ms"]
    per = " / ".join(
        str(consume.get(s, "-")) for s in ("api", "billing", "inventory", "provisioner")
    )
    return (
        f"| {today()} | {sagas['target_rate_per_s']} | {sagas['completed']} |"
        f" {sagas['latency_ms']['p50']} | {result['relay_p50_ms']} | {per} |"
    )


def render(result: Mapping[str, Any]) -> Iterable[str]:
    yield f"sagas: {json.dumps(result['sagas'])}"
    for side in ("relay", "consume"):
        yield f"{side} (ms):  p50    p90     n"
        for name, s in result["hops"][side].items():
            yield f"  {name:58s} {s['p50']:6.1f} {s['p90']:6.1f} {s['n']:5d}"
    yield f"the median saga ({result['median_saga']['latency_ms']:.1f} ms to active):"
    for at, what in result["median_saga"]["timeline"]:
        yield f"  {at:7.1f}  {what}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, default=17.0, help="sagas/s (paced)")
    parser.add_argument("--count", type=int, default=170)
    args = parser.parse_args()
    if args.rate <= 0:
        parser.error("--rate must be positive: the hops of a saturated stack are queueing")
    subprocess.run([sys.executable, str(ROOT / "infra" / "stack.py"), "up"], check=True)
    subprocess.run([sys.executable, "-m", "arcadia_platform.topics_admin"], check=True)
    result = asyncio.run(measure(args.rate, args.count))
    for line in render(result):
        print(line)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({"benchmark": "hops", **result}, indent=2) + "\n")
    print(f"written to {RESULTS.relative_to(ROOT)}")
    append_rows(HEADING, [table_row(result)], new_section=SECTION)
    print("row appended to docs/benchmarks.md")


if __name__ == "__main__":
    main()
