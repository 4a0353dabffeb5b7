"""Inventory fixtures: one service instance shared by the saga tests, on its own DB and topics."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from arcadia_testing.plugin import Infra
from services.inventory.tests.support import (
    Inventory,
    fresh_database,
    fresh_namespace,
    running_inventory,
)


@pytest.fixture(scope="session")
async def inventory(infra: Infra) -> AsyncIterator[Inventory]:
    """Tests share it and never clean up: each uses its own tenant, deployment and saga ids."""
    async with fresh_database(infra) as database_url:
        namespace = await fresh_namespace(infra)
        async with running_inventory(infra, database_url, namespace) as service:
            yield service
