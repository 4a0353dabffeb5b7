"""Root conftest: the shared fixtures (real Kafka, real PostgreSQL) and the unit/integration split."""

from __future__ import annotations

import pytest

pytest_plugins = [
    "arcadia_testing.plugin",
    "arcadia_testing.browser",
    "arcadia_testing.hang_report",
]

# Fixtures that reach Kafka or PostgreSQL, or start service processes that do. Every other
# fixture (cloudsim on a loopback port, fakes, clocks, tmp paths) is fine in a unit test.
INFRASTRUCTURE_FIXTURES = frozenset(
    {
        "infra",  # arcadia_testing.plugin: the shared broker and server
        "database",
        "namespace",
        "processes",
        "session_processes",  # services/api/tests
        "private_infra",  # tests/chaos: a private broker and server
    }
)


def needs_infrastructure(item: pytest.Item) -> bool:
    """True when the test's fixture closure (transitive) holds an infrastructure fixture, or
    the test says so itself with `pytest.mark.integration`."""
    closure = set(getattr(item, "fixturenames", ()))
    return bool(closure & INFRASTRUCTURE_FIXTURES) or item.get_closest_marker("integration")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Marking by fixture closure needs no file moves and no marker to remember: a test becomes
    # `integration` the moment it asks for the broker, the server or a service process.
    for item in items:
        if needs_infrastructure(item):
            if not item.get_closest_marker("integration"):
                item.add_marker(pytest.mark.integration)
        else:
            item.add_marker(pytest.mark.unit)
