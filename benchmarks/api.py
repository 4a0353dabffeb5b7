"""API read benchmark: the gateway (whole stack behind it) against a bare Litestar app, one run.

    uv run python -m benchmarks.api [--duration S] [--deployments N]

Load tool: wrk from Debian's packages (`wrk`, installed with apt-get when missing and run as
root), 2 threads and 64 connections, the same settings for both apps, one endpoint at a time:
GET /api/v1/deployments/{id}, GET /api/v1/deployments?limit=20 and /health. The bare app
(benchmarks/bare_app.py) is Litestar + msgspec on one uvicorn worker with the services' server
options, answering fixed bodies. Prints each endpoint's req/s and its ratio to the bare app;
writes bench-results/api.json and appends a dated row per endpoint to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from arcadia_platform.settings import DEFAULT_DATABASE_URL, DEFAULT_KAFKA
from arcadia_testing.plugin import ROOT, Infra, ServiceProcess
from arcadia_testing.ports import free_port
from arcadia_testing.stack import Stack, drop_stack, start_stack
from benchmarks.report import TABLE, today
from benchmarks.report import append_rows as report_rows
from benchmarks.spy import start as spy_start
from benchmarks.spy import summary as spy_summary

RESULTS = ROOT / "bench-results" / "api.json"
QUIET = {"ARCADIA_ALL_LOG_LEVEL": "WARNING", "ARCADIA_API_WRITE_RATE_PER_S": "0"}
TARGETS = {"detail": 0.25, "list": 0.35}
LABELS = {"/api/v1/deployments?limit=20": "list ?limit=20", "/health": "/health"}
HEADING = "## API reads against a bare Litestar app (`make bench-api`)"


def ensure_wrk() -> str:
    """wrk's path; installed from the OS packages when missing (as infra/stack.py does)."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise SystemExit("[bench] wrk is missing: apt-get install wrk (as root)")
    print("[bench] installing wrk from the OS packages", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-q"], check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run(
        ["apt-get", "install", "-y", "-q", "--no-install-recommends", "wrk"],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    return shutil.which("wrk") or "wrk"


def wrk(tool: str, url: str, headers: dict[str, str], duration: int) -> float:
    """Requests per second of one wrk run (2 threads, 64 connections); non-2xx answers fail it."""
    args = [tool, "-t2", "-c64", f"-d{duration}s", "--latency"]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    out = subprocess.run([*args, url], check=True, capture_output=True, text=True).stdout
    if "Non-2xx" in out:
        raise SystemExit(f"[bench] {url} answered errors:\n{out}")
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if match is None:
        raise SystemExit(f"[bench] no Requests/sec in wrk's output:\n{out}")
    return float(match.group(1))


async def seed(stack: Stack, tenant: str, count: int) -> str:
    """`count` deployments provisioned by sagas (so each has a subscription); one id."""
    async with httpx.AsyncClient(timeout=30) as client:
        ids = []
        for i in range(count):
            deployment, saga = await stack.provision(client, tenant, f"bench{i}")
            await stack.wait_terminal(client, tenant, deployment, saga, timeout_s=120)
            ids.append(deployment)
        detail = await stack.detail(client, tenant, ids[0])
        assert detail["subscription"] is not None or detail["subscription_error"] is not None
    return ids[0]


def measure(
    tool: str,
    gateway: str,
    bare: str,
    auth: dict[str, str],
    deployment: str,
    duration: int,
    profile_pid: int | None = None,
) -> dict[str, Any]:
    paths = {
        "detail": f"/api/v1/deployments/{deployment}",
        "list": "/api/v1/deployments?limit=20",
        "health": "/health",
    }
    figures: dict[str, Any] = {}
    for name, path in paths.items():
        bare_rps = wrk(tool, f"{bare}{path}", {}, duration)
        raw = RESULTS.parent / f"api-{name}.spy.txt"
        spy = None if profile_pid is None else spy_start(profile_pid, duration, raw)
        gateway_rps = wrk(tool, f"{gateway}{path}", auth if name != "health" else {}, duration)
        if spy is not None:
            spy.wait(30)
            figures[f"{name}_profile"] = spy_summary(raw)
            print("\n".join(figures[f"{name}_profile"]), flush=True)
        figures[name] = {
            "path": path,
            "gateway_rps": round(gateway_rps, 1),
            "bare_rps": round(bare_rps, 1),
            "ratio": round(gateway_rps / bare_rps, 3),
            "target_ratio": TARGETS.get(name),
        }
        print(
            f"[bench] {name:7} gateway {gateway_rps:9,.0f} req/s  bare {bare_rps:9,.0f} req/s"
            f"  ratio {gateway_rps / bare_rps:6.1%}",
            flush=True,
        )
    return figures


NEW_SECTION = (
    "wrk (Debian's package), 2 threads, 64 connections, 10 s per\n"
    "endpoint and app, one after the other in the same run; the gateway with its whole\n"
    "stack (billing, inventory, provisioner, cloudsim, Kafka, PostgreSQL) on the same\n"
    "2 cores. Targets: detail at least 25 % of the bare app, list at least 35 %.\n\n"
    "| date | endpoint | gateway req/s | bare req/s | ratio | target | note |\n"
    "|---|---|---|---|---|---|---|"
)


def append_rows(figures: dict[str, Any], note: str) -> None:
    rows = []
    for f in (v for v in figures.values() if isinstance(v, dict)):
        target = f["target_ratio"]
        verdict = "(reference)" if target is None else f"{target:.0%}"
        if target is not None:
            verdict += " met" if f["ratio"] >= target else " **missed**"
        rows.append(
            f"| {today()} | {LABELS.get(f['path'], 'detail /{id}')} | {f['gateway_rps']:,.0f} | {f['bare_rps']:,.0f}"
            f" | {f['ratio']:.1%} | {verdict} | {note} |"
        )
    report_rows(HEADING, rows, new_section=NEW_SECTION)


async def main(args: argparse.Namespace) -> None:
    tool = ensure_wrk()
    RESULTS.parent.mkdir(exist_ok=True)
    infra = Infra(kafka=DEFAULT_KAFKA, database_server=DEFAULT_DATABASE_URL)
    logs = Path(tempfile.mkdtemp(prefix="bench-api-"))

    def make(argv: list[str], env: dict[str, str], name: str) -> ServiceProcess:
        return ServiceProcess(argv, env, logs / f"{name}.log")

    port = free_port()
    bare = make([sys.executable, "-m", "benchmarks.bare_app", str(port)], {}, "bare")
    bare.start()
    try:  # the bare app is stopped even when the stack fails to start
        stack = await start_stack(infra, make, env=QUIET)
        try:
            await bare.wait_http(f"http://127.0.0.1:{port}/health")
            tenant = "bench-api"
            deployment = await seed(stack, tenant, args.deployments)
            api = stack.processes["api"].proc
            figures = measure(
                tool,
                stack.api,
                f"http://127.0.0.1:{port}",
                stack.auth(tenant),
                deployment,
                args.duration,
                api.pid if args.profile and api else None,
            )
        finally:
            await drop_stack(infra, stack)
    finally:
        bare.stop()
    RESULTS.parent.mkdir(exist_ok=True)
    result = {"at": datetime.now(UTC).isoformat(), "note": args.note, "endpoints": figures}
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"[bench] wrote {RESULTS}", flush=True)
    if not args.no_table:
        append_rows(figures, args.note)
        print(f"[bench] appended to {TABLE}", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--deployments", type=int, default=25, help="seeded by sagas")
    parser.add_argument("--note", default="", help="for the docs/benchmarks.md row")
    parser.add_argument("--no-table", action="store_true", help="JSON only")
    parser.add_argument("--profile", action="store_true", help="py-spy the gateway under load")
    asyncio.run(main(parser.parse_args()))
