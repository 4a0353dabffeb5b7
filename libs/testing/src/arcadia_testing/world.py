"""What a running stack holds: the simulator's state, each service's rows, its consumer groups."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient

from arcadia_contracts import decode
from arcadia_contracts.dns import record_name
from arcadia_testing.plugin import Infra, eventually

SERVICES = ("billing", "inventory", "provisioner", "api")
BASE_DOMAIN = "apps.arcadia.test"


class StackWorld:
    """The read side of `stack.Stack` (its base): where the stack's databases, topics and
    simulator are is all it needs."""

    infra: Infra
    namespace: str
    databases: dict[str, str]
    ports: dict[str, int]

    @property
    def sim(self) -> str:
        return f"http://127.0.0.1:{self.ports['cloudsim']}"

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
        name = record_name(slug, tenant)
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

    async def committed_offsets(self, service: str) -> dict[tuple[str, int], int]:
        """The offsets the service's consumer group has committed, per (topic, partition)."""
        admin = AIOKafkaAdminClient(bootstrap_servers=self.infra.kafka)
        await admin.start()
        try:
            committed = await admin.list_consumer_group_offsets(f"{self.namespace}.{service}")
        finally:
            await admin.close()
        return {(tp.topic, tp.partition): meta.offset for tp, meta in committed.items()}

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
