"""ARCADIA_KAFKA_PORT / ARCADIA_PG_PORT move the services, the topic admin and the fixtures too."""

from __future__ import annotations

import pytest
from pydantic_settings import SettingsConfigDict

from arcadia_platform import topics_admin
from arcadia_platform.settings import (
    ServiceSettings,
    database_server_url,
    kafka_bootstrap_servers,
)


class _Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ARCADIA_PORTSTEST_", extra="ignore")

    service_name: str = "portstest"


@pytest.fixture
def local_ports(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KAFKA_BOOTSTRAP_SERVERS", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("ARCADIA_KAFKA_PORT", "19092")
    monkeypatch.setenv("ARCADIA_PG_PORT", "15432")


@pytest.mark.usefixtures("local_ports")
def test_the_local_ports_move_every_default() -> None:
    settings = _Settings()

    assert settings.kafka_bootstrap_servers == "127.0.0.1:19092"
    assert settings.database_url == "postgresql://arcadia:arcadia@127.0.0.1:15432/arcadia_portstest"
    assert kafka_bootstrap_servers() == "127.0.0.1:19092"
    assert database_server_url() == "postgresql://arcadia:arcadia@127.0.0.1:15432/postgres"


@pytest.mark.usefixtures("local_ports")
def test_explicit_urls_win_over_the_local_ports(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "kafka.example:9092")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@db.example:5432/postgres")

    settings = _Settings()

    assert settings.kafka_bootstrap_servers == "kafka.example:9092"
    assert settings.database_url == "postgresql://u:p@db.example:5432/arcadia_portstest"


@pytest.mark.usefixtures("local_ports")
def test_the_topic_admin_follows_the_kafka_port(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[str, str]] = []

    async def ensure(bootstrap: str, *, namespace: str = "") -> list[str]:
        seen.append((bootstrap, namespace))
        return []

    monkeypatch.setattr(topics_admin, "ensure_topics", ensure)
    monkeypatch.setenv("ARCADIA_TOPIC_NAMESPACE", "ns1")

    topics_admin.main()

    assert seen == [("127.0.0.1:19092", "ns1")]
