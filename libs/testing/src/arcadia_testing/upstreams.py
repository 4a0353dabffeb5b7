"""Test helpers: billing, inventory and the cloud simulator as real processes. Tests only."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import asyncpg

from arcadia_testing.gateway import TEST_SERVICE_SECRET, Gateway
from arcadia_testing.plugin import Infra, ServiceProcess, unique
from arcadia_testing.ports import free_port

# The operators' CLI's secret on these upstreams (a test calling them directly sends it).
OPS_TEST_SERVICE_SECRET = "test-service-secret-of-the-arcadia-cli-0123456789"
MakeProcess = Callable[[list[str], dict[str, str], str], ServiceProcess]


@dataclass
class Upstreams:
    """The services the gateway calls, on their own databases and the gateway's topics."""

    billing_url: str
    inventory_url: str
    cloudsim_url: str
    # Each process with the URL that answers 200 once it is ready.
    processes: list[tuple[ServiceProcess, str]] = field(default_factory=list)

    async def ready(self) -> None:
        await asyncio.gather(*(process.wait_http(url) for process, url in self.processes))

    def stop(self) -> None:
        for process, _ in self.processes:
            process.stop()


@dataclass
class GatewayStack:
    """A gateway whose upstreams run for real (the whole control plane is `stack.Stack`)."""

    gateway: Gateway
    upstreams: Upstreams


@asynccontextmanager
async def fresh_databases(infra: Infra, *services: str) -> AsyncIterator[dict[str, str]]:
    """One new database per service name, dropped afterwards."""
    names = {service: unique(f"gw_{service}") for service in services}
    admin = await asyncpg.connect(infra.database_url("postgres"))
    try:
        for name in names.values():
            await admin.execute(f"CREATE DATABASE {name}")
        yield {service: infra.database_url(name) for service, name in names.items()}
    finally:
        for name in names.values():
            await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await admin.close()


def _service(
    make_process: MakeProcess, service: str, port: int, kafka: str, settings: dict[str, str]
) -> ServiceProcess:
    """`python -m arcadia_<service>` with `settings` as its ARCADIA_<SERVICE>_* variables."""
    prefix = f"ARCADIA_{service.upper()}_"
    env = {f"{prefix}{key}": value for key, value in settings.items()}
    env |= {f"{prefix}HTTP_PORT": str(port), f"{prefix}RELAY_POLL_INTERVAL_S": "0.1"}
    # Configured as in production: the gateway's own service secret, no development defaults.
    callers = {"api": TEST_SERVICE_SECRET, "ops": OPS_TEST_SERVICE_SECRET}
    env |= {"ARCADIA_ENV": "production", f"{prefix}INTERNAL_CALLERS": json.dumps(callers)}
    process = make_process(
        [sys.executable, "-m", f"arcadia_{service}"],
        {**env, "KAFKA_BOOTSTRAP_SERVERS": kafka},
        f"{service}-{port}",
    )
    return process.start()


def start_upstreams(
    make_process: MakeProcess,
    *,
    billing_database: str,
    inventory_database: str,
    namespace: str,
    kafka: str,
) -> Upstreams:
    """Cloudsim, billing and inventory (reading that cloudsim), started; await `ready()`."""
    ports = {name: free_port() for name in ("cloudsim", "billing", "inventory")}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    cloudsim = make_process(
        [sys.executable, "-m", "arcadia_cloudsim"],
        {"ARCADIA_CLOUDSIM_PORT": str(ports["cloudsim"])},
        f"cloudsim-{ports['cloudsim']}",
    ).start()
    billing = _service(
        make_process,
        "billing",
        ports["billing"],
        kafka,
        # The billing cycle off: it runs on the real clock, and these tests do not move it.
        {"DATABASE_URL": billing_database, "TOPIC_NAMESPACE": namespace, "CYCLE_ENABLED": "false"},
    )
    inventory = _service(
        make_process,
        "inventory",
        ports["inventory"],
        kafka,
        {
            "DATABASE_URL": inventory_database,
            "TOPIC_NAMESPACE": namespace,
            "DO_BASE_URL": urls["cloudsim"],
        },
    )
    return Upstreams(
        urls["billing"],
        urls["inventory"],
        urls["cloudsim"],
        [
            (billing, f"{urls['billing']}/ready"),
            (inventory, f"{urls['inventory']}/ready"),
            (cloudsim, f"{urls['cloudsim']}/_sim/state"),
        ],
    )
