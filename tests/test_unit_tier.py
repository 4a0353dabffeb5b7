"""The unit tier: tests are split by their fixtures, and a unit run cannot reach Kafka or PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaConnectionError

from arcadia_api.config import ApiSettings
from arcadia_billing.config import BillingSettings
from arcadia_inventory.config import InventorySettings
from arcadia_platform.settings import ServiceSettings, database_server_url, kafka_bootstrap_servers
from arcadia_provisioner.config import ProvisionerSettings
from arcadia_testing.plugin import ROOT

SERVICES: list[type[ServiceSettings]] = [
    ApiSettings,
    BillingSettings,
    ProvisionerSettings,
    InventorySettings,
]
in_unit_run = pytest.mark.skipif(
    os.environ.get("ARCADIA_TEST_TIER") != "unit", reason="only under `make test-unit`"
)


class _Item:
    """Just what the marking hook reads of a pytest item."""

    def __init__(self, fixtures: list[str], marker: str | None = None) -> None:
        self.fixturenames = fixtures
        self._marker = marker

    def get_closest_marker(self, name: str) -> object | None:
        return object() if name == self._marker else None


def _hook(config: pytest.Config) -> Callable[[Any], bool]:
    conftest = config.pluginmanager.get_plugin(str(Path(ROOT) / "conftest.py"))
    assert conftest is not None, "the root conftest is not loaded"
    check: Callable[[Any], bool] = conftest.needs_infrastructure
    return check


def test_a_test_without_infrastructure_fixtures_is_marked_unit(
    request: pytest.FixtureRequest,
) -> None:
    assert request.node.get_closest_marker("unit") is not None
    assert request.node.get_closest_marker("integration") is None


@pytest.mark.parametrize(
    "fixtures",
    [["infra"], ["tmp_path", "database"], ["namespace"], ["processes"], ["private_infra"]],
)
def test_any_infrastructure_fixture_in_the_closure_makes_a_test_integration(
    request: pytest.FixtureRequest, fixtures: list[str]
) -> None:
    needs_infrastructure = _hook(request.config)

    assert needs_infrastructure(_Item(fixtures))
    assert needs_infrastructure(_Item(["tmp_path"], marker="integration"))
    assert not needs_infrastructure(_Item(["tmp_path", "monkeypatch", "sim_url"]))


@in_unit_run
def test_every_setting_points_at_a_closed_port() -> None:
    for settings_class in SERVICES:
        settings = settings_class()
        assert settings.kafka_bootstrap_servers == "127.0.0.1:1", settings_class.__name__
        assert "@127.0.0.1:1/" in settings.database_url, settings_class.__name__
    assert kafka_bootstrap_servers() == "127.0.0.1:1"
    assert "@127.0.0.1:1/" in database_server_url()


@in_unit_run
async def test_a_test_that_reaches_for_the_servers_fails_at_once() -> None:
    started = time.monotonic()
    with pytest.raises(ConnectionRefusedError):
        await asyncpg.connect(database_server_url(), timeout=5)
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap_servers())
    with pytest.raises(KafkaConnectionError):
        await asyncio.wait_for(producer.start(), timeout=10)
    await producer.stop()
    assert time.monotonic() - started < 10, "refused, not left to time out"
