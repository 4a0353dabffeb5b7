"""Dev endpoints: injected faults hit the next N calls of one operation, state tells all."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from arcadia_cloudsim.admin import SimAdmin
from arcadia_testing.plugin import eventually

DROPLET = {"name": "web-1", "region": "nyc3", "size": "s-1vcpu-1gb", "image": "u", "tags": ["t"]}


async def create(api: httpx.AsyncClient) -> dict[str, Any]:
    response = await api.post("/v2/droplets", json=DROPLET)
    assert response.status_code == 202
    droplet: dict[str, Any] = response.json()["droplet"]
    return droplet


async def test_status_fault_fails_the_next_n_calls_then_clears(
    api: httpx.AsyncClient, admin: SimAdmin
) -> None:
    await admin.inject("droplets.create", 500, count=2)

    statuses = [(await api.post("/v2/droplets", json=DROPLET)).status_code for _ in range(3)]

    state = await admin.state()
    assert statuses == [500, 500, 202]
    assert len(state["droplets"]) == 1
    assert state["calls"]["droplets.create"] == 3
    assert state["faults"] == []


async def test_status_fault_body_is_do_shaped(api: httpx.AsyncClient, admin: SimAdmin) -> None:
    await admin.inject("records.create", 503)

    response = await api.post(
        "/v2/domains/example.com/records", json={"type": "A", "name": "x", "data": "198.18.0.2"}
    )

    assert response.status_code == 503
    assert response.json()["id"] == "service_unavailable"


async def test_429_carries_retry_after_and_ratelimit_headers(
    api: httpx.AsyncClient, admin: SimAdmin
) -> None:
    await admin.inject("droplets.get", 429, retry_after_s=3)
    droplet = await create(api)

    response = await api.get(f"/v2/droplets/{droplet['id']}")

    assert response.status_code == 429
    assert response.json()["id"] == "too_many_requests"
    assert response.headers["retry-after"] == "3"
    assert response.headers["ratelimit-remaining"] == "0"
    assert {"ratelimit-limit", "ratelimit-reset"} <= set(response.headers)


async def test_faults_only_hit_their_operation(api: httpx.AsyncClient, admin: SimAdmin) -> None:
    await admin.inject("droplets.delete", 500)
    droplet = await create(api)

    fetched = await api.get(f"/v2/droplets/{droplet['id']}")
    deleted = await api.delete(f"/v2/droplets/{droplet['id']}")
    deleted_again = await api.delete(f"/v2/droplets/{droplet['id']}")

    assert fetched.status_code == 200
    assert deleted.status_code == 500
    assert deleted_again.status_code == 204


async def hanging_on(admin: SimAdmin, operation: str) -> None:
    """Until the server has taken the timeout fault for `operation`: the request is in its hang."""

    async def taken() -> bool:
        state = await admin.state()
        return bool(state["calls"][operation] >= 1 and state["faults"] == [])

    await eventually(taken, timeout_s=30, interval_s=0.05)


async def test_timeout_on_create_hangs_after_the_work(
    sim_url: str, api: httpx.AsyncClient, admin: SimAdmin
) -> None:
    await admin.inject("droplets.create", "timeout", hang_ms=600_000)
    # Generous to connect and send on a loaded machine, short enough to give up on the hang.
    patience = httpx.Timeout(30.0, read=1.0)

    async with httpx.AsyncClient(base_url=sim_url, headers=api.headers, timeout=patience) as client:
        with pytest.raises(httpx.ReadTimeout):
            await client.post("/v2/droplets", json=DROPLET)

    await hanging_on(admin, "droplets.create")  # the fault was taken: no answer was coming
    assert [d["name"] for d in (await admin.state())["droplets"]] == ["web-1"]  # work came first
    await admin.reset()  # releases the hanging request


async def test_a_hanging_request_does_not_block_others(
    api: httpx.AsyncClient, admin: SimAdmin
) -> None:
    await admin.inject("droplets.list", "timeout", hang_ms=600_000)

    hanging = asyncio.create_task(api.get("/v2/droplets", timeout=60))
    await hanging_on(admin, "droplets.list")
    created = await create(api)
    fetched = await api.get(f"/v2/droplets/{created['id']}")

    assert not hanging.done()
    assert fetched.status_code == 200
    await admin.reset()  # releases the hang, so the test need not wait it out
    assert (await hanging).status_code == 200


async def test_never_active_keeps_the_droplet_new(api: httpx.AsyncClient, admin: SimAdmin) -> None:
    await admin.inject("droplets.get", "never_active")
    stuck = await create(api)
    healthy = await create(api)

    stuck_statuses = [
        (await api.get(f"/v2/droplets/{stuck['id']}")).json()["droplet"]["status"] for _ in range(3)
    ]
    healthy_status = (await api.get(f"/v2/droplets/{healthy['id']}")).json()["droplet"]["status"]

    assert stuck_statuses == ["new", "new", "new"]
    assert healthy_status == "active"


async def test_errored_marks_the_droplet_and_its_create_action(
    api: httpx.AsyncClient, admin: SimAdmin
) -> None:
    await admin.inject("droplets.get", "errored")
    body = (await api.post("/v2/droplets", json=DROPLET)).json()
    droplet_id = body["droplet"]["id"]

    first = (await api.get(f"/v2/droplets/{droplet_id}")).json()["droplet"]
    second = (await api.get(f"/v2/droplets/{droplet_id}")).json()["droplet"]
    action = (await api.get(f"/v2/actions/{body['links']['actions'][0]['id']}")).json()["action"]

    assert first["status"] == second["status"] == "errored"
    assert first["networks"]["v4"] == []
    assert action["status"] == "errored"
    assert (await admin.state())["droplets"][0]["status"] == "errored"


async def test_lifecycle_faults_skip_droplets_already_active(
    api: httpx.AsyncClient, admin: SimAdmin
) -> None:
    droplet = await create(api)
    await api.get(f"/v2/droplets/{droplet['id']}")
    await admin.inject("droplets.get", "errored")

    again = (await api.get(f"/v2/droplets/{droplet['id']}")).json()["droplet"]

    assert again["status"] == "active"
    assert len((await admin.state())["faults"]) == 1


async def test_clearing_faults_removes_pending_ones(
    api: httpx.AsyncClient, admin: SimAdmin
) -> None:
    await admin.inject("droplets.create", 500, count=5)
    await admin.clear_faults()

    assert (await api.post("/v2/droplets", json=DROPLET)).status_code == 202


async def test_reset_forgets_everything(api: httpx.AsyncClient, admin: SimAdmin) -> None:
    await create(api)
    await admin.inject("droplets.create", 500)
    await admin.configure(activation_delay_ms=5000)

    await admin.reset()

    state = await admin.state()
    assert state["droplets"] == []
    assert state["faults"] == []
    assert set(state["calls"].values()) == {0}
    assert state["config"]["activation_delay_ms"] == 0


@pytest.mark.parametrize(
    "body",
    [
        {"operation": "droplets.explode", "fault": 500},
        {"operation": "droplets.create", "fault": 200},
        {"operation": "droplets.create", "fault": "never_active"},
        {"operation": "droplets.get", "fault": "sometimes"},
        {"operation": "droplets.get", "fault": 500, "count": 0},
        {"operation": "droplets.get", "fault": "timeout", "hang_ms": -1},
    ],
)
async def test_bad_fault_requests_get_422(sim_url: str, admin: SimAdmin, body: object) -> None:
    async with httpx.AsyncClient(base_url=sim_url) as client:
        response = await client.post("/_sim/faults", json=body)

    assert response.status_code == 422
    assert response.json()["id"] == "unprocessable_entity"


async def test_bad_config_gets_422(sim_url: str, admin: SimAdmin) -> None:
    async with httpx.AsyncClient(base_url=sim_url) as client:
        response = await client.post("/_sim/config", json={"activation_delay_ms": -5})

    assert response.status_code == 422


async def test_reset_ends_hanging_requests_at_once(api: httpx.AsyncClient, admin: SimAdmin) -> None:
    await admin.inject("droplets.list", "timeout", hang_ms=3_600_000)
    # The client would wait out the whole hour: only the reset can end this request in time.
    hanging = asyncio.create_task(api.get("/v2/droplets", timeout=3_700))
    await hanging_on(admin, "droplets.list")

    await admin.reset()

    response = await asyncio.wait_for(hanging, timeout=60)
    assert response.status_code == 200


async def test_actions_get_suffers_its_faults(api: httpx.AsyncClient, admin: SimAdmin) -> None:
    body = (await api.post("/v2/droplets", json=DROPLET)).json()
    action_path = f"/v2/actions/{body['links']['actions'][0]['id']}"
    await admin.inject("actions.get", 503)
    await admin.inject("actions.get", "timeout", hang_ms=600_000)

    failed = await api.get(action_path)
    hanging = asyncio.create_task(api.get(action_path, timeout=60))
    await hanging_on(admin, "actions.get")
    assert not hanging.done()
    await admin.reset()

    assert failed.status_code == 503
    assert failed.json()["id"] == "service_unavailable"
    assert (await hanging).status_code == 200  # it read the action before it hung
