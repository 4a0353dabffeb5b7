"""Cloudsim reads its settings from ARCADIA_CLOUDSIM_* and serves as `python -m arcadia_cloudsim`."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx

from arcadia_cloudsim.config import SimConfig
from arcadia_testing.ports import free_port


def test_settings_come_from_the_environment() -> None:
    config = SimConfig.from_env(
        {
            "ARCADIA_CLOUDSIM_HOST": "0.0.0.0",
            "ARCADIA_CLOUDSIM_PORT": "9000",
            "ARCADIA_CLOUDSIM_ACTIVATION_DELAY_MS": "250",
            "ARCADIA_CLOUDSIM_TOKEN": "secret",
            "ARCADIA_CLOUDSIM_REQUESTS_PER_MINUTE": "250",
        }
    )

    assert config == SimConfig(
        host="0.0.0.0", port=9000, activation_delay_ms=250, token="secret", requests_per_minute=250
    )
    assert SimConfig.from_env({}) == SimConfig()


def test_the_module_serves_with_its_environment() -> None:
    port = free_port()
    env = {
        **os.environ,
        "ARCADIA_CLOUDSIM_PORT": str(port),
        "ARCADIA_CLOUDSIM_TOKEN": "secret",
        "ARCADIA_CLOUDSIM_ACTIVATION_DELAY_MS": "60000",
    }
    process = subprocess.Popen([sys.executable, "-m", "arcadia_cloudsim"], env=env)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base}/health", timeout=30).raise_for_status()
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "cloudsim did not start"
                time.sleep(0.05)
        headers = {"Authorization": "Bearer secret"}
        body = {"name": "a", "region": "nyc3", "size": "s-1vcpu-1gb", "image": "u"}
        created = httpx.post(f"{base}/v2/droplets", json=body, headers=headers, timeout=30).json()
        fetched = httpx.get(
            f"{base}/v2/droplets/{created['droplet']['id']}", headers=headers, timeout=30
        )
        refused = httpx.get(
            f"{base}/v2/droplets", headers={"Authorization": "Bearer other"}, timeout=30
        )

        assert fetched.json()["droplet"]["status"] == "new"  # the 60 s delay is in force
        assert refused.status_code == 401
    finally:
        process.terminate()
        process.wait(timeout=10)
