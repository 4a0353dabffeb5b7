"""The gateway's HTTP stack alone: CPU time per request through the ASGI app, no network, no
database, against the bare Litestar app of `make bench-api` (benchmarks/bare_app.py).

    uv run python -m benchmarks.asgi [--requests N]

Measures process CPU time (not wall time), so it is steady on a busy machine: it shows what our
middleware, guards and exception handling add to a request, which `make bench-api` (wrk against
the whole stack) cannot separate from the database and the load tool. Paths: /health on both
apps, and on the gateway an unauthenticated GET /api/v1/deployments (a 401 problem: the bearer
middleware, the guards' route and the problem rendering). Writes bench-results/asgi.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from typing import Any

from arcadia_testing.plugin import ROOT

RESULTS = ROOT / "bench-results" / "asgi.json"
WARM_UP = 300
Message = dict[str, Any]


def scope_for(path: str) -> Message:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"bench")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }


async def cpu_us_per_request(app: Any, path: str, requests: int) -> tuple[float, int]:
    """Mean CPU microseconds per request, and the status the app answered."""
    statuses: list[int] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    for _ in range(WARM_UP):
        await app(scope_for(path), receive, send)
    started = time.process_time()
    for _ in range(requests):
        await app(scope_for(path), receive, send)
    return (time.process_time() - started) / requests * 1e6, statuses[-1]


async def main(requests: int) -> dict[str, Any]:
    os.environ.setdefault("ARCADIA_ENV", "development")  # the gateway's dev secret, no I/O
    from arcadia_api.app import create_app
    from arcadia_api.config import ApiSettings
    from arcadia_platform.logs import configure_logging
    from benchmarks.bare_app import app as bare

    configure_logging("WARNING", service="api")  # as the gateway runs in bench-api

    gateway = create_app(ApiSettings())
    figures: dict[str, Any] = {"benchmark": "asgi", "requests": requests}
    for name, app, path in (
        ("bare /health", bare, "/health"),
        ("gateway /health", gateway, "/health"),
        ("gateway 401 /api/v1/deployments", gateway, "/api/v1/deployments"),
    ):
        us, status = await cpu_us_per_request(app, path, requests)
        figures[name] = {"cpu_us_per_request": round(us, 1), "status": status}
        print(f"{name:34s} {us:7.1f} us CPU/request (status {status})", flush=True)
    bare_us = figures["bare /health"]["cpu_us_per_request"]
    figures["gateway /health vs bare"] = round(
        bare_us / figures["gateway /health"]["cpu_us_per_request"], 3
    )
    print(
        f"gateway /health runs at {figures['gateway /health vs bare']:.0%} of the bare app's rate"
    )
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000)
    result = asyncio.run(main(parser.parse_args().requests))
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written: {RESULTS.relative_to(ROOT)}")
