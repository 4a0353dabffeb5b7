"""Pipeline benchmark: N events through outbox -> relay -> Kafka -> inbox consumer, two processes.

    uv run python -m benchmarks.pipeline [--count N] [--rate R] [--per-txn K]

Prints and writes (bench-results/pipeline.json) events/s and commit-to-handled latency p50/p99.
Latency runs from just before the producer's transaction commits (`sent_at`, stamped into the
event) to the consumer's handler running inside its transaction (`handled_at`). Two runs by
default: flat out (throughput) and paced at half the aimed rate (latency when not saturated).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import asyncpg

from arcadia_contracts.topics import dlq
from arcadia_platform.settings import DEFAULT_DATABASE_URL, DEFAULT_KAFKA, database_url_for
from arcadia_platform.topicnames import TopicNames
from arcadia_platform.topics_admin import delete_namespaces, ensure_topics
from arcadia_testing.harness import PROBE_TOPIC
from arcadia_testing.plugin import ROOT, ServiceProcess, unique
from benchmarks.report import TABLE, append_rows, today

RESULTS = ROOT / "bench-results" / "pipeline.json"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def one_run(count: int, rate: float, per_txn: int, logs: Path) -> dict[str, Any]:
    server = DEFAULT_DATABASE_URL
    names = TopicNames(unique("bench").replace("_", ""))
    await ensure_topics(DEFAULT_KAFKA, [PROBE_TOPIC, dlq(PROBE_TOPIC)], namespace=names.namespace)
    admin = await asyncpg.connect(database_url_for("postgres", server))
    dbs = [unique("bench_prod"), unique("bench_cons")]
    for name in dbs:
        await admin.execute(f"CREATE DATABASE {name}")
    env = {
        "ARCADIA_HARNESS_TOPIC_NAMESPACE": names.namespace,
        "ARCADIA_HARNESS_LOG_LEVEL": "WARNING",
        "ARCADIA_HARNESS_RELAY_POLL_INTERVAL_S": "0.5",
    }
    consumer = ServiceProcess(
        [sys.executable, "-m", "arcadia_testing.harness", "consume"],
        {**env, "ARCADIA_HARNESS_DATABASE_URL": database_url_for(dbs[1], server)},
        logs / f"consumer-{names.namespace}.log",
    )
    producer = ServiceProcess(
        [
            sys.executable,
            "-m",
            "arcadia_testing.harness",
            "produce",
            str(count),
            str(rate),
            str(per_txn),
        ],
        {**env, "ARCADIA_HARNESS_DATABASE_URL": database_url_for(dbs[0], server)},
        logs / f"producer-{names.namespace}.log",
    )
    try:
        consumer.start()
        await _wait_for_line(consumer, "harness.ready")
        await asyncio.sleep(2)  # let the consumer group settle before the clock starts
        producer.start()
        conn = await asyncpg.connect(database_url_for(dbs[1], server))
        try:
            deadline = time.monotonic() + 300
            while await conn.fetchval("SELECT count(*) FROM effects") < count:
                if time.monotonic() > deadline:
                    raise TimeoutError("benchmark did not finish in 300 s")
                await asyncio.sleep(0.25)
            rows = await conn.fetch("SELECT sent_at, handled_at FROM effects")
        finally:
            await conn.close()
    finally:
        producer.stop()
        consumer.stop()
        # Transactions the consumer's database committed (deterministic, unlike wall clock):
        # read once its backends have exited and flushed their statistics.
        await asyncio.sleep(1.0)
        consumer_txns = await admin.fetchval(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = $1", dbs[1]
        )
        for name in dbs:
            await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await admin.close()
        await delete_namespaces(DEFAULT_KAFKA, [names.namespace])  # one run's topics, not more
    latencies_ms = [(r["handled_at"] - r["sent_at"]) * 1000 for r in rows]
    elapsed = max(r["handled_at"] for r in rows) - min(r["sent_at"] for r in rows)
    return {
        "events": count,
        "target_rate_per_s": rate or "max",
        "events_per_txn": per_txn,
        "elapsed_s": round(elapsed, 3),
        "events_per_s": round(count / elapsed, 1),
        "consumer_db_txns_per_event": round((consumer_txns or 0) / count, 3),
        "latency_ms": {
            "p50": round(percentile(latencies_ms, 0.50), 2),
            "p99": round(percentile(latencies_ms, 0.99), 2),
            "max": round(max(latencies_ms), 2),
            "mean": round(statistics.fmean(latencies_ms), 2),
        },
    }


async def _wait_for_line(proc: ServiceProcess, marker: str) -> None:
    deadline = time.monotonic() + 60
    while marker not in proc.output():
        if proc.proc is not None and proc.proc.poll() is not None:
            raise RuntimeError(proc.output()[-2000:])
        if time.monotonic() > deadline:
            raise TimeoutError(marker)
        await asyncio.sleep(0.1)


def main() -> None:
    subprocess.run([sys.executable, str(ROOT / "infra" / "stack.py"), "up"], check=True)
    asyncio.run(run_all())


async def run_all() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=20000)
    parser.add_argument("--rate", type=float, default=None, help="events/s; 0 = flat out")
    parser.add_argument("--per-txn", type=int, default=10)
    args = parser.parse_args()
    rates = [args.rate] if args.rate is not None else [0.0, 1000.0]
    runs = []
    with tempfile.TemporaryDirectory() as logs:
        for rate in rates:
            count = args.count if rate == 0 else min(args.count, int(rate * 10))
            result = await one_run(count, rate, args.per_txn, Path(logs))
            runs.append(result)
            print(json.dumps(result))
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({"benchmark": "pipeline", "runs": runs}, indent=2) + "\n")
    print(f"written to {RESULTS.relative_to(ROOT)}")
    append_rows(HEADING, [table_row(run) for run in runs])
    print(f"rows appended to {TABLE.relative_to(ROOT)}")


HEADING = "## Pipeline: outbox -> relay -> Kafka -> inbox consumer (`make bench-pipeline`)"


def table_row(run: dict[str, Any]) -> str:
    """| date | run | events | events/s | p50 ms | p99 ms | (the table's columns)"""
    target = run["target_rate_per_s"]
    latency = run["latency_ms"]
    if target == "max":  # saturated: the latency is the queue's, not the pipeline's
        return (
            f"| {today()} | flat out | {run['events']:,} | {run['events_per_s']:,.0f}"
            " | (queueing) | (queueing) |"
        )
    return (
        f"| {today()} | paced at {target:,.0f}/s | {run['events']:,} | {run['events_per_s']:,.0f}"
        f" | {latency['p50']} | {latency['p99']} |"
    )


if __name__ == "__main__":
    main()
