"""Root conftest: the shared fixtures (real Kafka, real PostgreSQL) for every suite."""

pytest_plugins = ["arcadia_platform.testing"]
