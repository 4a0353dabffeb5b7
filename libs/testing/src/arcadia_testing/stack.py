"""The whole control plane as real processes (four services + cloudsim) for saga tests and the
saga benchmark: fresh databases, one private topic namespace, free loopback ports."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx

from arcadia_api.http.tokens import issue_token
from arcadia_ops.invariants import Sources
from arcadia_platform.topics_admin import delete_namespaces, ensure_topics
from arcadia_testing.gateway import OPERATOR_ROLES, TEST_SECRET, settings_for_tests
from arcadia_testing.plugin import Infra, ServiceProcess, eventually, unique
from arcadia_testing.ports import free_port
from arcadia_testing.world import BASE_DOMAIN as BASE_DOMAIN
from arcadia_testing.world import SERVICES as SERVICES
from arcadia_testing.world import StackWorld

TERMINAL = {"completed", "compensated", "compensation_failed"}
PROVIDER_TOKEN = "dev-token"  # the provisioner's default; cloudsim takes any non-empty token


@dataclass
class Stack(StackWorld):
    infra: Infra
    namespace: str
    databases: dict[str, str]
    ports: dict[str, int]
    processes: dict[str, ServiceProcess] = field(default_factory=dict)
    # How many processes run each service: the first is named after the service ("api"), the
    # others "api#2", "api#3"... (`ports` and `processes` use the same names).
    instances: int = 1

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.ports['api']}"

    @property
    def apis(self) -> list[str]:
        """The base URL of every gateway instance."""
        return [f"http://127.0.0.1:{self.ports[name]}" for name in self.names("api")]

    def names(self, service: str) -> list[str]:
        """The process names of every instance of a service."""
        return [instance_name(service, i) for i in range(1, self.instances + 1)]

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def auth(self, tenant: str, *, operator: bool = False) -> dict[str, str]:
        roles = OPERATOR_ROLES if operator else ("admin",)
        token = issue_token(
            settings_for_tests(), tenant_id=tenant, roles=roles, sub="tester", ttl_s=3600
        )
        return {"Authorization": f"Bearer {token}"}

    def sources(self) -> Sources:
        """Where the audit (arcadia_ops.invariants.check) reads this stack's world."""
        return Sources(
            api_db=self.databases["api"],
            billing_db=self.databases["billing"],
            provisioner_db=self.databases["provisioner"],
            inventory_db=self.databases["inventory"],
            provider_url=self.sim,
            provider_token=PROVIDER_TOKEN,
            base_domain=BASE_DOMAIN,
        )

    async def kill9(self, service: str) -> None:
        self.processes[service].kill9()

    async def start(self, service: str, extra_env: Mapping[str, str] | None = None) -> None:
        """Start one process: a service ("billing"), one of its instances ("billing#2"), or
        "cloudsim"."""
        proc = self.processes[service]
        proc.start(extra_env)
        path = "/_sim/state" if service == "cloudsim" else "/health"
        await proc.wait_http(f"http://127.0.0.1:{self.ports[service]}{path}")

    # ------------------------------------------------------------------ the API

    async def provision(
        self,
        client: httpx.AsyncClient,
        tenant: str,
        slug: str,
        *,
        key: str | None = None,
        api: str | None = None,
        **extra: Any,
    ) -> tuple[str, str]:
        body = {
            "slug": slug,
            "provision": True,
            "region": "fra1",
            "size": "s-1vcpu-1gb",
            "plan_code": "studio",
            **extra,
        }
        headers = self.auth(tenant) | ({"Idempotency-Key": key} if key else {})
        response = await client.post(
            f"{api or self.api}/api/v1/deployments", json=body, headers=headers
        )
        assert response.status_code == 202, response.text
        started = response.json()
        return started["deployment"]["id"], started["saga_id"]

    async def detail(self, client: httpx.AsyncClient, tenant: str, deployment_id: str) -> Any:
        response = await client.get(
            f"{self.api}/api/v1/deployments/{deployment_id}", headers=self.auth(tenant)
        )
        assert response.status_code == 200, response.text
        return response.json()

    async def wait_terminal(
        self,
        client: httpx.AsyncClient,
        tenant: str,
        deployment_id: str,
        saga_id: str,
        *,
        timeout_s: float = 60,
    ) -> Any:
        """The deployment's detail once the saga has ended and the deployment has settled."""

        async def ended() -> Any:
            detail = await self.detail(client, tenant, deployment_id)
            saga = next((s for s in detail["sagas"] if s["id"] == saga_id), None)
            settled = detail["deployment"]["state"] in ("active", "cancelled")
            return detail if saga and saga["status"] in TERMINAL and settled else None

        return await eventually(ended, timeout_s=timeout_s, interval_s=0.2)


def instance_name(service: str, number: int) -> str:
    """ "billing" for the first instance of billing, "billing#2" for the second..."""
    return service if number == 1 else f"{service}#{number}"


async def start_stack(
    infra: Infra,
    make_process: Callable[[list[str], dict[str, str], str], ServiceProcess],
    *,
    env: Mapping[str, str] | None = None,
    instances: int = 1,
) -> Stack:
    """Start cloudsim and `instances` processes of every service. The instances of a service
    share everything (database, topic namespace, consumer group, settings) but their HTTP port,
    as N replicas in production do; each gateway calls the first billing and inventory."""
    namespace = unique("s").replace("_", "")
    await ensure_topics(infra.kafka, namespace=namespace)
    admin = await asyncpg.connect(infra.database_url("postgres"))
    databases: dict[str, str] = {}
    try:
        for service in SERVICES:
            name = unique(f"saga_{service}")
            await admin.execute(f"CREATE DATABASE {name}")
            databases[service] = infra.database_url(name)
    finally:
        await admin.close()
    names = [instance_name(s, i) for s in SERVICES for i in range(1, instances + 1)]
    ports = {name: free_port() for name in ("cloudsim", *names)}
    stack = Stack(infra, namespace, databases, ports, instances=instances)
    common = {"KAFKA_BOOTSTRAP_SERVERS": infra.kafka, **(env or {})}
    stack.processes["cloudsim"] = make_process(
        [sys.executable, "-m", "arcadia_cloudsim"],
        {**common, "ARCADIA_CLOUDSIM_PORT": str(ports["cloudsim"])},
        "cloudsim",
    )
    for service in SERVICES:
        prefix = f"ARCADIA_{service.upper()}_"
        service_env = _service_env(service, stack, common)
        for name in stack.names(service):
            stack.processes[name] = make_process(
                [sys.executable, "-m", f"arcadia_{service}"],
                service_env | {f"{prefix}HTTP_PORT": str(ports[name])},
                name,
            )
    await stack.start("cloudsim")
    # All at once: a process mostly waits (imports, migrations under their advisory lock, Kafka
    # group joins), so N instances start in about the time of one.
    await asyncio.gather(*(stack.start(name) for name in names))
    return stack


def _service_env(service: str, stack: Stack, common: Mapping[str, str]) -> dict[str, str]:
    """One service's environment: its own database, the stack's namespace and its neighbours'
    addresses; `ARCADIA_ALL_*` in `common` applies to every service under its own prefix."""
    prefix = f"ARCADIA_{service.upper()}_"
    ports = stack.ports
    service_env = {
        "ARCADIA_ENV": "development",  # built-in JWT and service secrets, as under `make run`
        "ARCADIA_PROVISIONER_DO_REQUESTS_PER_MINUTE": "0",  # no provider budget (limit and
        "ARCADIA_API_PROVIDER_BUDGET_PER_MINUTE": "0",  # admission) unless `common` sets one
        **common,
        f"{prefix}DATABASE_URL": stack.databases[service],
        f"{prefix}TOPIC_NAMESPACE": stack.namespace,
        f"{prefix}HTTP_PORT": str(ports[service]),
        f"{prefix}RELAY_POLL_INTERVAL_S": "0.2",
        **{
            k.replace("ARCADIA_ALL_", prefix): v
            for k, v in common.items()
            if k.startswith("ARCADIA_ALL_")
        },
    }
    if service == "api":
        service_env |= {
            "ARCADIA_API_JWT_SECRET": TEST_SECRET,
            "ARCADIA_API_BILLING_URL": f"http://127.0.0.1:{ports['billing']}",
            "ARCADIA_API_INVENTORY_URL": f"http://127.0.0.1:{ports['inventory']}",
            "ARCADIA_API_PROVISIONER_URL": f"http://127.0.0.1:{ports['provisioner']}",
        }
    if service == "billing":
        # The billing cycle runs on the real clock; off unless a module's env turns it on.
        service_env = {"ARCADIA_BILLING_CYCLE_ENABLED": "false"} | service_env
    if service in ("provisioner", "inventory"):
        service_env |= {f"{prefix}DO_BASE_URL": stack.sim}
    if service == "provisioner":
        service_env["ARCADIA_PROVISIONER_BASE_DOMAIN"] = BASE_DOMAIN
    return service_env


async def restart_stack(stack: Stack, cloudsim_env: Mapping[str, str] | None = None) -> None:
    """Stop every process (services first, cloudsim last) and start them all again, cloudsim
    first, like Ctrl-C and `make run` again; `cloudsim_env` overrides its environment once."""
    for name in (*reversed(SERVICES), "cloudsim"):
        stack.processes[name].stop()
    await stack.start("cloudsim", cloudsim_env)
    for service in SERVICES:
        await stack.start(service)


async def drop_stack(infra: Infra, stack: Stack) -> None:
    for proc in stack.processes.values():
        proc.stop()
    admin = await asyncpg.connect(infra.database_url("postgres"))
    try:
        for url in stack.databases.values():
            name = url.rsplit("/", 1)[1]
            await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    finally:
        await admin.close()
    await delete_namespaces(infra.kafka, [stack.namespace])
