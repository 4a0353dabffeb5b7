"""Saga benchmark: N provisioning sagas against cloudsim (zero activation delay), whole stack.

    uv run python -m benchmarks.saga [--count N] [--concurrency C] [--rate R] [--curve]

Prints and writes (bench-results/saga.json) completed sagas/s and end-to-end latency p50/p90/p99,
from the client sending POST /api/v1/deployments to the saga's completion (the transaction that
makes the deployment `active`), and appends a dated row per run to docs/benchmarks.md. Two runs by
default: flat out at the given concurrency (throughput), then paced at half the measured rate
(latency when not saturated). `--curve` adds runs at 20, 40, 60, 80 and 100 % of the flat-out
rate and draws p50/p90/p99 against offered load into docs/saga-latency.png.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import asyncpg

from arcadia_platform.settings import DEFAULT_DATABASE_URL, DEFAULT_KAFKA
from arcadia_testing.plugin import ROOT, Infra, ServiceProcess
from arcadia_testing.saga_driver import SagaDriver, SagaRun
from arcadia_testing.stack import drop_stack, start_stack
from benchmarks.report import TABLE, append_rows, today
from benchmarks.seed import clone_database

RESULTS = ROOT / "bench-results" / "saga.json"
QUIET = {"ARCADIA_ALL_LOG_LEVEL": "WARNING"}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summarise(runs: list[SagaRun], concurrency: int, rate: float) -> dict[str, Any]:
    done = [r for r in runs if r.status == "completed" and r.finished_at is not None]
    latencies = [(r.finished_at - r.sent_at) * 1000 for r in done if r.finished_at]
    elapsed = max(r.finished_at for r in done if r.finished_at) - min(r.sent_at for r in runs)
    return {
        "sagas": len(runs),
        "completed": len(done),
        "concurrency": concurrency,
        "target_rate_per_s": rate or "max",
        "elapsed_s": round(elapsed, 3),
        "completed_per_s": round(len(done) / elapsed, 1),
        "latency_ms": {
            "p50": round(percentile(latencies, 0.5), 1),
            "p90": round(percentile(latencies, 0.9), 1),
            "p99": round(percentile(latencies, 0.99), 1),
            "max": round(max(latencies), 1),
            "mean": round(statistics.fmean(latencies), 1),
        },
    }


async def transactions(databases: dict[str, str]) -> dict[str, int]:
    """Transactions each service's database has committed or rolled back so far (a statement
    outside a transaction counts as one). Backends publish their counters when idle, at most
    every ten seconds or so: give them that long first."""
    await asyncio.sleep(11)
    totals = {}
    for service, url in databases.items():
        conn = await asyncpg.connect(url)
        try:
            totals[service] = await conn.fetchval(
                "SELECT xact_commit + xact_rollback FROM pg_stat_database"
                " WHERE datname = current_database()"
            )
        finally:
            await conn.close()
    return totals


async def seeded_runs(
    stack: Any, deployments: int, concurrency: int, count: int, empty: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Grow every database to `deployments` deployments (benchmarks/seed.py), then the same flat-out
    and half-rate runs as on the empty platform, each with its ratio to the empty one."""
    conn = await asyncpg.connect(stack.databases["api"])
    try:
        existing = int(await conn.fetchval("SELECT count(*) FROM deployments"))
    finally:
        await conn.close()
    copies = max(0, -(-deployments // existing) - 1)
    for service, url in stack.databases.items():
        inserted = await clone_database(url, copies)
        print(f"seeded {service}: {sum(inserted.values()):,} rows ({copies} copies)", flush=True)
    runs = []
    for base in empty:
        target = 0.0 if base["target_rate_per_s"] == "max" else float(base["target_rate_per_s"])
        n = count if target == 0 else min(count, int(target * 10))
        sagas = await SagaDriver(stack, concurrency=concurrency, rate=target).run(n)
        run = summarise(sagas, concurrency, target) | {
            "seeded_deployments": existing * (copies + 1)
        }
        run["vs_empty"] = {
            "completed_per_s": round(run["completed_per_s"] / base["completed_per_s"], 3),
            "p99": round(run["latency_ms"]["p99"] / base["latency_ms"]["p99"], 3),
        }
        print(json.dumps(run), flush=True)
        runs.append(run)
    return runs


CURVE_SHARES = (0.2, 0.4, 0.6, 0.8, 1.0)  # of the flat-out rate
CURVE_SECONDS = 10  # of offered load per point


async def run_all(
    count: int,
    concurrency: int,
    rate: float | None,
    curve: bool = False,
    seed: int = 0,
    instances: int = 1,
) -> list[dict[str, Any]]:
    infra = Infra(kafka=DEFAULT_KAFKA, database_server=DEFAULT_DATABASE_URL)
    results = []
    with tempfile.TemporaryDirectory() as logs:

        def make(args: list[str], env: dict[str, str], name: str) -> ServiceProcess:
            return ServiceProcess(args, env, Path(logs) / f"{name}.log")

        stack = await start_stack(infra, make, env=QUIET, instances=instances)
        try:
            await SagaDriver(stack, concurrency=10).run(20)  # warm-up: groups, pools, JIT-less
            rates = [rate] if rate is not None else [0.0]
            for target in rates:
                before = await transactions(stack.databases)
                runs = await SagaDriver(stack, concurrency=concurrency, rate=target).run(count)
                results.append(summarise(runs, concurrency, target))
                after = await transactions(stack.databases)
                results[-1]["db_txns_per_saga"] = {
                    service: round((after[service] - before[service]) / count, 1)
                    for service in after
                }
                print(json.dumps(results[-1]), flush=True)
            if rate is None:
                half = max(1.0, results[0]["completed_per_s"] / 2)
                runs = await SagaDriver(stack, concurrency=concurrency, rate=half).run(
                    min(count, int(half * 10))
                )
                results.append(summarise(runs, concurrency, round(half, 1)))
                print(json.dumps(results[-1]), flush=True)
            if seed:
                results.extend(await seeded_runs(stack, seed, concurrency, count, results[:2]))
            if curve:
                flat_out = max(1.0, results[0]["completed_per_s"])
                for share in CURVE_SHARES:
                    offered = round(flat_out * share, 1)
                    n = max(10, int(offered * CURVE_SECONDS))
                    runs = await SagaDriver(stack, concurrency=concurrency, rate=offered).run(n)
                    results.append(summarise(runs, concurrency, offered) | {"curve": share})
                    print(json.dumps(results[-1]), flush=True)
        finally:
            await drop_stack(infra, stack)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--rate", type=float, default=None, help="sagas/s; 0 = flat out")
    parser.add_argument("--curve", action="store_true", help="latency against offered load")
    parser.add_argument("--note", default="", help="for the docs/benchmarks.md rows")
    parser.add_argument(
        "--seed", type=int, default=0, help="then grow to N deployments and measure again"
    )
    parser.add_argument("--instances", type=int, default=1, help="processes of each service")
    args = parser.parse_args()
    subprocess.run([sys.executable, str(ROOT / "infra" / "stack.py"), "up"], check=True)
    subprocess.run([sys.executable, "-m", "arcadia_platform.topics_admin"], check=True)
    results = asyncio.run(
        run_all(args.count, args.concurrency, args.rate, args.curve, args.seed, args.instances)
    )
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({"benchmark": "saga", "runs": results}, indent=2) + "\n")
    print(f"written to {RESULTS.relative_to(ROOT)}")
    note = ", ".join(
        [*([f"{args.instances} instances of each service"] if args.instances > 1 else []),
         *([args.note] if args.note else [])]
    )  # fmt: skip
    append_rows(HEADING, [table_row(r, note) for r in results])
    print(f"rows appended to {TABLE.relative_to(ROOT)}")
    curve = [r for r in results if "curve" in r]
    if curve:
        draw_curve(curve, CURVE_PNG)
        print(f"drawn: {CURVE_PNG.relative_to(ROOT)}")


HEADING = "## Provisioning saga, whole stack against cloudsim (`make bench-saga`)"
CURVE_PNG = ROOT / "docs" / "saga-latency.png"


def table_row(run: dict[str, Any], note: str) -> str:
    """| date | run | sagas | completed/s | p50 ms | p99 ms | (the table's columns)"""
    target = run["target_rate_per_s"]
    what = (
        f"flat out, concurrency {run['concurrency']}" if target == "max" else f"paced at {target}/s"
    )
    latency = run["latency_ms"]
    p50, p99 = ("(queueing)", "(queueing)") if target == "max" else (latency["p50"], latency["p99"])
    if "seeded_deployments" in run:
        ratio = run["vs_empty"]["completed_per_s" if target == "max" else "p99"]
        what += f", {run['seeded_deployments']:,} deployments seeded ({ratio:.0%} of empty)"
    label = f"{what}{', ' + note if note else ''}"
    return f"| {today()} | {label} | {run['sagas']} | {run['completed_per_s']} | {p50} | {p99} |"


def draw_curve(runs: list[dict[str, Any]], path: Path) -> None:
    """p50/p90/p99 latency against the offered rate, one line each."""
    import matplotlib

    matplotlib.use("Agg")  # no display
    import matplotlib.pyplot as plt

    offered = [r["target_rate_per_s"] for r in runs]
    figure, axes = plt.subplots(figsize=(7, 4.2), dpi=110)
    for key in ("p50", "p90", "p99"):
        axes.plot(offered, [r["latency_ms"][key] for r in runs], marker="o", label=key)
    axes.set_xlabel("offered load (sagas/s)")
    axes.set_ylabel("POST to active (ms)")
    axes.set_title(f"Provisioning saga latency against offered load ({today()})")
    axes.grid(alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


if __name__ == "__main__":
    main()
