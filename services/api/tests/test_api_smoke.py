"""The seed's smoke scenario end to end over HTTP, against a freshly started gateway process."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from arcadia_contracts import decode, topics
from arcadia_contracts.events.deployments import DeploymentStateChanged
from arcadia_platform.topicnames import TopicNames
from arcadia_testing.gateway import OPERATOR_ROLES, Gateway, start_gateway
from arcadia_testing.plugin import Infra, ServiceProcess, eventually, read_topic


async def test_smoke_lifecycle_tenancy_and_operator_role(
    infra: Infra,
    database: str,
    namespace: str,
    processes: Callable[..., ServiceProcess],
) -> None:
    gw: Gateway = await start_gateway(
        processes, database_url=database, namespace=namespace, kafka=infra.kafka
    )
    acme, globex = "acme", "globex"
    async with httpx.AsyncClient(base_url=f"{gw.url}/api/v1", timeout=10) as http:
        created = await http.post(
            "/deployments",
            json={"slug": "shop", "display_name": "Acme shop", "region": "fra1"},
            headers=gw.auth(acme, sub="alice"),
        )
        assert created.status_code == 201, created.text
        shop = created.json()
        assert (shop["state"], shop["tenant_id"], shop["slug"]) == ("active", acme, "shop")
        other = await http.post(
            "/deployments", json={"slug": "shop"}, headers=gw.auth(globex, sub="gus")
        )
        assert other.status_code == 201, other.text  # slugs are unique per tenant only

        paused = await http.post(
            f"/deployments/{shop['id']}/transition",
            json={"to": "paused", "reason": "holiday"},
            headers=gw.auth(acme, sub="bob"),
        )
        assert paused.status_code == 200, paused.text
        assert paused.json()["state"] == "paused"

        archived = await http.post(
            f"/deployments/{shop['id']}/transition",
            json={"to": "archived"},
            headers=gw.auth(acme, sub="bob"),
        )
        assert archived.status_code == 422
        assert archived.headers["content-type"] == "application/problem+json"
        assert archived.json()["allowed_targets"] == ["active", "suspended", "cancelled"]

        detail = (await http.get(f"/deployments/{shop['id']}", headers=gw.auth(acme))).json()
        assert detail["deployment"]["state"] == "paused"
        assert [
            (e["from_state"], e["to_state"], e["actor"], e["reason"]) for e in detail["events"]
        ] == [(None, "active", "alice", "created"), ("active", "paused", "bob", "holiday")]
        assert (detail["subscription"], detail["saga"]) == (None, None)

        operator = gw.auth(acme, roles=OPERATOR_ROLES, sub="root")
        tenants = await http.get("/tenants", headers=operator)
        assert tenants.status_code == 200, tenants.text
        assert {t["tenant_id"]: t["by_state"] for t in tenants.json()["items"]} == {
            acme: _counts(paused=1),
            globex: _counts(active=1),
        }
        everything = await http.get("/deployments", headers=operator)
        assert {d["tenant_id"] for d in everything.json()["items"]} == {acme, globex}

        own = await http.get("/deployments", headers=gw.auth(globex))
        assert [d["tenant_id"] for d in own.json()["items"]] == [globex]
        hidden = await http.get(f"/deployments/{shop['id']}", headers=gw.auth(globex))
        assert hidden.status_code == 404

        underscore = gw.auth(acme, roles=["admin", "platform_admin"])
        assert (await http.get("/tenants", headers=underscore)).status_code == 403
        assert (await http.get("/tenants", headers=gw.auth(acme))).status_code == 403

    # Both deployments' creations and the pause reached Kafka; the refused archive did not.
    changes = await eventually(lambda: _state_changes(gw, want=3))
    assert len(changes) == 3
    assert [
        (c.tenant_id, c.payload.from_state, c.payload.to_state, c.payload.actor)
        for c in changes
        if str(c.deployment_id) == shop["id"]
    ] == [(acme, None, "active", "alice"), (acme, "active", "paused", "bob")]


def _counts(**states: int) -> dict[str, int]:
    names = ["provisioning", "trial", "active", "past_due", "paused", "suspended"]
    return {name: states.get(name, 0) for name in [*names, "cancelled", "archived"]}


async def _state_changes(gw: Gateway, want: int) -> list[Any] | None:
    topic = TopicNames(gw.namespace).physical(topics.DEPLOYMENTS)
    records = await read_topic(gw.kafka, topic)
    events = [decode(record.value) for record in records]
    changes = [e for e in events if isinstance(e.payload, DeploymentStateChanged)]
    changes.sort(key=lambda e: e.occurred_at)
    return changes if len(changes) >= want else None
