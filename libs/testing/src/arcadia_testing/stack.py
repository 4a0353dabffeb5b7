"""The whole control plane as real processes (four services + cloudsim) for saga tests and the
saga benchmark: fresh databases, one private topic namespace, free loopback ports."""

from __future__ import annotations

import asyncio
import sys
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient

from arcadia_api.http.tokens import issue_token
from arcadia_contracts import decode
from arcadia_ops.invariants import Sources
from arcadia_platform.topics_admin import ensure_topics
from arcadia_testing.gateway import OPERATOR_ROLES, TEST_SECRET, settings_for_tests
from arcadia_testing.plugin import Infra, ServiceProcess, eventually, unique
from arcadia_testing.ports import free_port

SERVICES = ("billing", "inventory", "provisioner", "api")
TERMINAL = {"completed", "compensated", "compensation_failed"}
BASE_DOMAIN = "apps.arcadia.test"
PROVIDER_TOKEN = "dev-token"  # the provisioner's default; cloudsim takes any non-empty token


@dataclass
class Stack:
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

    @property
    def sim(self) -> str:
        return f"http://127.0.0.1:{self.ports['cloudsim']}"

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

    # ------------------------------------------------------------------ processes

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

    # ------------------------------------------------------------------ the world

    async def sim_state(self, client: httpx.AsyncClient) -> Any:
        return (await client.get(f"{self.sim}/_sim/state")).json()

    async def sim_fault(
        self, client: httpx.AsyncClient, operation: str, fault: object, count: int = 1
    ) -> None:
        body = {"operation": operation, "fault": fault, "count": count}
        (await client.post(f"{self.sim}/_sim/faults", json=body)).raise_for_status()

    async def sim_config(self, client: httpx.AsyncClient, **config: Any) -> None:
        (await client.post(f"{self.sim}/_sim/config", json=config)).raise_for_status()

    async def holdings(
        self, client: httpx.AsyncClient, tenant: str, slug: str, deployment_id: str, saga_id: str
    ) -> dict[str, Any]:
        """What exists for one saga: droplets tagged with it, DNS records of its name, active
        inventory resources and live subscriptions of its deployment."""
        state = await self.sim_state(client)
        droplets = [d for d in state["droplets"] if f"saga:{saga_id}" in d["tags"]]
        name = f"{slug}.{tenant}"
        records = [r for r in state["records"] if r["name"] in (name, f"{name}.{BASE_DOMAIN}")]
        deployment = uuid.UUID(deployment_id)
        resources = await self.rows(
            "inventory",
            "SELECT * FROM resources WHERE deployment_id = $1 AND status = 'active'",
            deployment,
        )
        subscriptions = await self.rows(
            "billing",
            "SELECT * FROM subscriptions WHERE deployment_id = $1 AND status <> 'cancelled'",
            deployment,
        )
        return {
            "droplets": droplets,
            "records": records,
            "resources": resources,
            "subscriptions": subscriptions,
        }

    async def settled_holdings(
        self, client: httpx.AsyncClient, tenant: str, slug: str, deployment_id: str, saga_id: str
    ) -> dict[str, Any]:
        """Holdings once billing has caught up: the api completes the saga, then billing hears
        DeploymentActivated and activates the subscription (a little later). Raises if billing
        never settles: checking invariants on data still in motion would pass or fail by luck."""
        last: dict[str, Any] = {}

        async def settled() -> dict[str, Any] | None:
            last.update(await self.holdings(client, tenant, slug, deployment_id, saga_id))
            pending = [s for s in last["subscriptions"] if s["status"] == "pending"]
            return None if pending else dict(last)

        try:
            result: dict[str, Any] = await eventually(settled, timeout_s=60, interval_s=0.2)
        except TimeoutError as error:
            raise TimeoutError(f"billing never settled saga {saga_id}: {last}") from error
        return result

    async def rows(self, service: str, sql: str, *args: Any) -> list[dict[str, Any]]:
        conn = await asyncpg.connect(self.databases[service])
        try:
            return [dict(r) for r in await conn.fetch(sql, *args)]
        finally:
            await conn.close()

    async def outbox_types(self, service: str, deployment_id: str) -> list[str]:
        """The types of the events a service committed about a deployment, in order."""
        rows = await self.rows(
            service, "SELECT value FROM outbox WHERE key = $1 ORDER BY id", deployment_id.encode()
        )
        return [decode(row["value"]).type for row in rows]

    async def quiescent(self) -> bool:
        """Nothing is in flight: every outbox row is sent and every consumer group has committed
        the end of every partition it reads (so each event's effects have committed). A parked
        outbox row (outbound poison) never gets sent: a test that parks one waits otherwise."""
        for service in SERVICES:
            (row,) = await self.rows(
                service, "SELECT count(*) AS n FROM outbox WHERE sent_at IS NULL"
            )
            if row["n"]:
                return False
        return await self.consumers_caught_up()

    async def consumers_caught_up(self) -> bool:
        """Every service's consumer group has committed the end of every partition it reads."""
        admin = AIOKafkaAdminClient(bootstrap_servers=self.infra.kafka)
        consumer = AIOKafkaConsumer(bootstrap_servers=self.infra.kafka)
        await admin.start()
        await consumer.start()
        try:
            for service in SERVICES:
                committed = await admin.list_consumer_group_offsets(f"{self.namespace}.{service}")
                ends = await consumer.end_offsets(list(committed))
                if any(meta.offset < ends[tp] for tp, meta in committed.items()):
                    return False
            return True
        finally:
            await consumer.stop()
            await admin.close()

    async def rewind_consumer_group(self, service: str) -> None:
        """Commit offset 0 on every partition the (stopped) service's group has read: its
        next start replays every topic from the beginning."""
        group = f"{self.namespace}.{service}"
        admin = AIOKafkaAdminClient(bootstrap_servers=self.infra.kafka)
        await admin.start()
        try:
            committed = await admin.list_consumer_group_offsets(group)
        finally:
            await admin.close()
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.infra.kafka, group_id=group, enable_auto_commit=False
        )
        await consumer.start()
        try:
            consumer.assign(list(committed))
            await consumer.commit({tp: 0 for tp in committed})
        finally:
            await consumer.stop()


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
        service_env = {
            **common,
            f"{prefix}DATABASE_URL": databases[service],
            f"{prefix}TOPIC_NAMESPACE": namespace,
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
            }
        if service in ("provisioner", "inventory"):
            service_env |= {f"{prefix}DO_BASE_URL": stack.sim}
        if service == "provisioner":
            service_env |= {
                "ARCADIA_PROVISIONER_DO_REQUESTS_PER_MINUTE": "0",
                "ARCADIA_PROVISIONER_BASE_DOMAIN": BASE_DOMAIN,
            }
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


@dataclass
class SagaRun:
    tenant: str
    slug: str
    deployment_id: str = ""
    saga_id: str = ""
    sent_at: float = 0.0
    finished_at: float | None = None
    status: str | None = None


class SagaDriver:
    """Starts many provisioning sagas (at most `concurrency` unfinished at once, and no faster
    than `rate` per second) and watches them end in the api's database."""

    def __init__(self, stack: Stack, *, concurrency: int, rate: float = 0.0) -> None:
        self._stack = stack
        self._gateways = stack.apis  # sagas are started on each gateway in turn
        self._slots = asyncio.Semaphore(concurrency)
        self._rate = rate
        self._waiting: dict[str, tuple[SagaRun, asyncio.Future[None]]] = {}

    async def run(self, count: int, *, timeout_s: float = 300) -> list[SagaRun]:
        runs = [
            SagaRun(tenant=f"bench-{i % 20}", slug=f"app-{uuid.uuid4().hex[:10]}")
            for i in range(count)
        ]
        watcher = asyncio.create_task(self._watch())
        try:
            async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=64)) as c:
                started = time.monotonic()
                tasks = []
                for i, run in enumerate(runs):
                    await self._slots.acquire()
                    if self._rate > 0:
                        delay = started + i / self._rate - time.monotonic()
                        if delay > 0:
                            await asyncio.sleep(delay)
                    gateway = self._gateways[i % len(self._gateways)]
                    tasks.append(asyncio.create_task(self._one(c, run, gateway)))
                await asyncio.wait_for(asyncio.gather(*tasks), timeout_s)
        finally:
            watcher.cancel()
        return runs

    async def _one(self, client: httpx.AsyncClient, run: SagaRun, gateway: str) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        run.sent_at = time.time()
        try:
            run.deployment_id, run.saga_id = await self._stack.provision(
                client, run.tenant, run.slug, api=gateway
            )
            self._waiting[run.saga_id] = (run, done)
            await done
        finally:
            self._slots.release()

    async def _watch(self) -> None:
        conn = await asyncpg.connect(self._stack.databases["api"])
        try:
            while True:
                await asyncio.sleep(0.02)
                if not self._waiting:
                    continue
                rows = await conn.fetch(
                    "SELECT id::text AS id, status, EXTRACT(EPOCH FROM finished_at) AS at"
                    " FROM sagas WHERE id = ANY($1::uuid[]) AND finished_at IS NOT NULL",
                    list(self._waiting),
                )
                for row in rows:
                    run, done = self._waiting.pop(row["id"])
                    run.finished_at, run.status = float(row["at"]), row["status"]
                    done.set_result(None)
        finally:
            await conn.close()
