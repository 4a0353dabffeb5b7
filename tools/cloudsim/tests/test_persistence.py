"""A state file makes the simulated account outlive the process; a reset clears it on purpose."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from arcadia_cloudsim.config import SimConfig
from arcadia_cloudsim.droplet_store import FIRST_DROPLET_ID
from arcadia_cloudsim.embedded import running_cloudsim
from arcadia_cloudsim.persistence import StateFileError
from arcadia_cloudsim.schemas import CreateDropletBody, RecordBody
from arcadia_cloudsim.simulator import Simulator
from arcadia_testing.plugin import eventually
from arcadia_testing.ports import free_port

HEADERS = {"Authorization": "Bearer test-token"}
RECORDS = "/v2/domains/example.com/records"


def droplet(name: str, tag: str = "saga:x") -> dict[str, Any]:
    return {"name": name, "region": "fra1", "size": "s-1vcpu-1gb", "image": "u", "tags": [tag]}


class Clocks:
    """A monotonic clock that restarts with every simulator, like a new process, and a wall one."""

    def __init__(self, wall: float = 1_800_000_000.0) -> None:
        self.wall = wall
        self.mono = 0.0

    def new_process(self, monotonic_start: float) -> None:
        self.mono = monotonic_start


def simulator(path: Path | None, clocks: Clocks, activation_delay_ms: int = 0) -> Simulator:
    config = SimConfig(state_file=path, activation_delay_ms=activation_delay_ms)
    return Simulator(config, clock=lambda: clocks.mono, wall_clock=lambda: clocks.wall)


def create(sim: Simulator, name: str) -> int:
    body = CreateDropletBody(name=name, region="fra1", size="s-1vcpu-1gb", image="u", tags=["t"])
    made, _action_id = sim.create_droplet(body)
    return int(made["id"])


# -- the simulator on its own (fake clocks) ------------------------------------------------------


def test_droplets_records_and_counters_survive_a_new_simulator(tmp_path: Path) -> None:
    path, clocks = tmp_path / "state.json", Clocks()
    first = simulator(path, clocks)
    ids = [create(first, "a"), create(first, "b")]
    active = first.get_droplet(ids[0])
    first.create_record("example.com", RecordBody(type="A", name="www", data="198.18.0.9"))
    before = first.snapshot()

    clocks.new_process(monotonic_start=-5_000.0)
    second = simulator(path, clocks)
    after = second.snapshot()
    new_id = create(second, "c")
    new_active = second.get_droplet(new_id)

    assert after["droplets"] == before["droplets"]
    assert after["records"] == before["records"]
    assert new_id > max(ids)
    assert active is not None
    assert new_active is not None
    old_ip = active["networks"]["v4"][0]["ip_address"]
    assert new_active["networks"]["v4"][0]["ip_address"] != old_ip
    made = second.create_record("example.com", RecordBody(type="A", name="api", data="198.18.0.8"))
    assert made["id"] > before["records"][0]["id"]


def test_an_activation_delay_runs_on_across_a_restart_by_the_wall_clock(tmp_path: Path) -> None:
    path, clocks = tmp_path / "state.json", Clocks()
    droplet_id = create(simulator(path, clocks, activation_delay_ms=600_000), "slow")

    clocks.new_process(monotonic_start=42.0)
    clocks.wall += 10
    early = simulator(path, clocks).get_droplet(droplet_id)
    clocks.wall += 600
    late = simulator(path, clocks).get_droplet(droplet_id)

    assert early is not None
    assert early["status"] == "new"
    assert late is not None
    assert late["status"] == "active"


def test_reset_deletes_the_file_and_starts_the_ids_again(tmp_path: Path) -> None:
    path, clocks = tmp_path / "state.json", Clocks()
    sim = simulator(path, clocks)
    create(sim, "a")
    assert path.exists()

    sim.reset()

    assert not path.exists()
    assert simulator(path, clocks).snapshot()["droplets"] == []
    assert create(sim, "b") == FIRST_DROPLET_ID


def test_saves_leave_only_the_state_file_behind(tmp_path: Path) -> None:
    path, clocks = tmp_path / "cloud" / "state.json", Clocks()
    sim = simulator(path, clocks)
    for i in range(5):
        sim.delete_droplet(create(sim, f"d{i}"))

    assert sorted(p.name for p in path.parent.iterdir()) == ["state.json"]
    saved = json.loads(path.read_text())
    assert saved["droplets"]["droplets"] == []
    assert saved["droplets"]["next_id"] == FIRST_DROPLET_ID + 5


def test_reads_that_change_nothing_do_not_rewrite_the_file(tmp_path: Path) -> None:
    path, clocks = tmp_path / "state.json", Clocks()
    sim = simulator(path, clocks)
    droplet_id = create(sim, "a")
    sim.get_droplet(droplet_id)  # activates it: a change
    path.write_text("sentinel")  # any later save would replace it

    sim.get_droplet(droplet_id)
    sim.list_droplets(None, 1, 20)
    sim.snapshot()

    assert path.read_text() == "sentinel"


@pytest.mark.parametrize(
    "content", ["{not json", '{"format": 1}', '{"format": 99, "droplets": {}, "records": {}}']
)
def test_an_unusable_state_file_is_refused_and_left_as_it_is(tmp_path: Path, content: str) -> None:
    path = tmp_path / "state.json"
    path.write_text(content)

    with pytest.raises(StateFileError, match=str(path)):
        simulator(path, Clocks())

    assert path.read_text() == content


@pytest.mark.parametrize(
    ("spoil", "problem"),
    [
        (lambda saved: saved["droplets"].update(actions=[]), "no create action"),
        (lambda saved: saved["droplets"].update(next_public_ip="10.0.0.1"), "not an address of"),
        (lambda saved: saved["droplets"].update(next_private_ip="nonsense"), "nonsense"),
    ],
)
def test_a_state_file_that_contradicts_itself_is_refused(
    tmp_path: Path, spoil: Callable[[dict[str, Any]], None], problem: str
) -> None:
    path, clocks = tmp_path / "state.json", Clocks()
    create(simulator(path, clocks), "a")
    saved = json.loads(path.read_text())
    spoil(saved)
    path.write_text(json.dumps(saved))

    with pytest.raises(StateFileError, match=problem):
        simulator(path, clocks)


def test_without_a_state_file_nothing_is_written(tmp_path: Path) -> None:
    sim = simulator(None, Clocks())
    create(sim, "a")

    assert sim.snapshot()["state_file"] is None
    assert list(tmp_path.iterdir()) == []


# -- over HTTP -----------------------------------------------------------------------------------


async def test_a_restarted_server_serves_the_same_cloud(tmp_path: Path) -> None:
    config = SimConfig(state_file=tmp_path / "state.json")
    with running_cloudsim(config) as url:
        async with httpx.AsyncClient(base_url=url, headers=HEADERS, timeout=30) as api:
            old = (await api.post("/v2/droplets", json=droplet("old"))).json()["droplet"]
            await api.get(f"/v2/droplets/{old['id']}")
            await api.post(RECORDS, json={"type": "A", "name": "www", "data": "198.18.0.9"})

    with running_cloudsim(config) as url:
        async with httpx.AsyncClient(base_url=url, headers=HEADERS, timeout=30) as api:
            kept = await api.get(f"/v2/droplets/{old['id']}")
            records = (await api.get(RECORDS, params={"name": "www.example.com"})).json()
            new = (await api.post("/v2/droplets", json=droplet("new"))).json()["droplet"]

    assert kept.status_code == 200
    assert kept.json()["droplet"]["status"] == "active"
    assert [r["data"] for r in records["domain_records"]] == ["198.18.0.9"]
    assert new["id"] > old["id"]


async def test_a_reset_over_http_clears_the_file_too(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    with running_cloudsim(SimConfig(state_file=path)) as url:
        async with httpx.AsyncClient(base_url=url, headers=HEADERS, timeout=30) as api:
            first = (await api.post("/v2/droplets", json=droplet("a"))).json()["droplet"]
            assert path.exists()
            (await api.post("/_sim/reset")).raise_for_status()

    assert not path.exists()
    with running_cloudsim(SimConfig(state_file=path)) as url:
        async with httpx.AsyncClient(base_url=url, headers=HEADERS, timeout=30) as api:
            state = (await api.get("/_sim/state")).json()
            again = (await api.post("/v2/droplets", json=droplet("b"))).json()["droplet"]

    assert state["droplets"] == []
    assert again["id"] == first["id"] == FIRST_DROPLET_ID


# -- as a process, killed -------------------------------------------------------------------------


def start_process(port: int, path: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "ARCADIA_CLOUDSIM_PORT": str(port),
        "ARCADIA_CLOUDSIM_STATE_FILE": str(path),
    }
    return subprocess.Popen([sys.executable, "-m", "arcadia_cloudsim"], env=env)


async def wait_up(base: str) -> None:
    async def up() -> bool:
        try:
            async with httpx.AsyncClient(timeout=5) as client:
                return (await client.get(f"{base}/health")).status_code == 200
        except httpx.TransportError:
            return False

    await eventually(up, timeout_s=60, interval_s=0.1)


async def test_every_answered_change_survives_a_kill_9(tmp_path: Path) -> None:
    port, path = free_port(), tmp_path / "state.json"
    base = f"http://127.0.0.1:{port}"
    process = start_process(port, path)
    try:
        await wait_up(base)
        async with httpx.AsyncClient(base_url=base, headers=HEADERS, timeout=30) as api:
            made = [
                (await api.post("/v2/droplets", json=droplet(f"d{i}"))).json()["droplet"]["id"]
                for i in range(3)
            ]
        process.send_signal(signal.SIGKILL)
        process.wait(30)

        process = start_process(port, path)
        await wait_up(base)
        async with httpx.AsyncClient(base_url=base, headers=HEADERS, timeout=30) as api:
            listed = (await api.get("/v2/droplets")).json()["droplets"]
            after = (await api.post("/v2/droplets", json=droplet("d3"))).json()["droplet"]["id"]
    finally:
        process.terminate()
        process.wait(30)

    assert [d["id"] for d in listed] == made
    assert after > max(made)


def test_a_corrupt_state_file_stops_the_process_with_its_name(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text("{broken")
    env = {
        **os.environ,
        "ARCADIA_CLOUDSIM_PORT": str(free_port()),
        "ARCADIA_CLOUDSIM_STATE_FILE": str(path),
    }

    done = subprocess.run(
        [sys.executable, "-m", "arcadia_cloudsim"], env=env, capture_output=True, timeout=60
    )

    assert done.returncode == 1
    assert str(path) in done.stderr.decode()
    assert path.read_text() == "{broken"
