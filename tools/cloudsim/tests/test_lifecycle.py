"""The droplet lifecycle on a fake clock: `new` until the activation delay is over, then `active`."""

from __future__ import annotations

from arcadia_cloudsim.config import SimConfig
from arcadia_cloudsim.schemas import CreateDropletBody
from arcadia_cloudsim.simulator import Simulator


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_droplet_turns_active_exactly_when_its_delay_is_over() -> None:
    clock = FakeClock()
    sim = Simulator(SimConfig(activation_delay_ms=500), clock=clock)
    body = CreateDropletBody(name="a", region="fra1", size="s-1vcpu-1gb", image="u")
    created, action_id = sim.create_droplet(body)

    clock.now += 0.25  # binary fractions: exactly the delay, no rounding
    before = sim.get_droplet(created["id"])
    action_before = sim.get_action(action_id)
    clock.now += 0.25
    after = sim.get_droplet(created["id"])
    action_after = sim.get_action(action_id)

    assert before is not None
    assert after is not None
    assert action_before is not None
    assert action_after is not None
    assert (before["status"], action_before["status"]) == ("new", "in-progress")
    assert (after["status"], action_after["status"]) == ("active", "completed")
    assert after["networks"]["v4"][0]["ip_address"].startswith("198.1")
