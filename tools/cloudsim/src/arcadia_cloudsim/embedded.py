"""Run cloudsim on a free loopback port in a background thread: for tests and benchmarks."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from arcadia_cloudsim.app import create_app
from arcadia_cloudsim.config import SimConfig
from arcadia_cloudsim.simulator import Simulator

STARTUP_TIMEOUT_S = 10.0


@contextmanager
def running_cloudsim(config: SimConfig | None = None) -> Iterator[str]:
    """Serve a fresh simulator until the block ends; yields its base URL (http://127.0.0.1:PORT)."""
    sim_config = config or SimConfig()
    # IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on sockets that say they are TCP,
    # and without it every response waits ~40 ms for a delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Binding here (port 0) rather than in uvicorn: the port is ours before anyone can race for it.
    sock.bind((sim_config.host, 0))
    port = sock.getsockname()[1]
    app = create_app(sim_config)
    simulator: Simulator = app.state.simulator
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            log_level="warning",
            access_log=False,
            lifespan="on",
            loop="uvloop",
            http="httptools",
            timeout_graceful_shutdown=2,
        )
    )
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="cloudsim", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("cloudsim did not start")
        time.sleep(0.01)
    try:
        yield f"http://{sim_config.host}:{port}"
    finally:
        simulator.release_hangs()
        server.should_exit = True
        thread.join(timeout=STARTUP_TIMEOUT_S)
        sock.close()
