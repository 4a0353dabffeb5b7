"""`make run`: the cloud simulator and the four services in the foreground; Ctrl-C stops all.

Infrastructure (Kafka, PostgreSQL) is already up (`make setup`); it is stopped on exit too,
unless ARCADIA_KEEP_INFRA=1.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parent.parent
SERVICES: list[tuple[str, list[str]]] = [
    ("cloudsim", [sys.executable, "-m", "arcadia_cloudsim"]),
    ("billing", [sys.executable, "-m", "arcadia_billing"]),
    ("inventory", [sys.executable, "-m", "arcadia_inventory"]),
    ("provisioner", [sys.executable, "-m", "arcadia_provisioner"]),
    ("api", [sys.executable, "-m", "arcadia_api"]),
]


def pump(name: str, stream: IO[bytes]) -> None:
    for line in iter(stream.readline, b""):
        sys.stdout.write(f"{name:>12} | {line.decode(errors='replace')}")
        sys.stdout.flush()


def main() -> int:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    # The simulated cloud remembers its droplets across runs, as the databases do (.local/ is
    # where both live, and `make clean` deletes both).
    env.setdefault("ARCADIA_CLOUDSIM_STATE_FILE", str(ROOT / ".local" / "cloudsim" / "state.json"))
    children: list[tuple[str, subprocess.Popen[bytes]]] = []
    for name, args in SERVICES:
        proc = subprocess.Popen(
            args,
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        assert proc.stdout is not None
        threading.Thread(target=pump, args=(name, proc.stdout), daemon=True).start()
        children.append((name, proc))
    print(
        "arcadia: gateway on http://127.0.0.1:8000 (OpenAPI: /schema/openapi.json);"
        " cloudsim on http://127.0.0.1:8010. Ctrl-C stops everything.",
        flush=True,
    )
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    exit_code = 0
    while not stopping:
        for name, proc in children:
            if proc.poll() is not None:
                print(
                    f"arcadia: {name} exited with {proc.returncode}; stopping the stack", flush=True
                )
                exit_code = 1
                stopping = True
        time.sleep(0.3)
    for _, proc in children:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for _, proc in children:
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
    if os.environ.get("ARCADIA_KEEP_INFRA") != "1":
        subprocess.run([sys.executable, str(ROOT / "infra" / "stack.py"), "down"], check=False)
    return exit_code


if __name__ == "__main__":
    raise SystemExit(main())
