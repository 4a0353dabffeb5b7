"""Where everything is: the four services' databases, Kafka, their internal HTTP APIs and the
provider, from the same environment variables the services read (defaults: the local stack)."""

from __future__ import annotations

import os
from typing import Final

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from arcadia_ops.views import Sources
from arcadia_platform.service_auth import DEV_SERVICE_SECRET
from arcadia_platform.settings import DEFAULT_KAFKA, database_url_for
from arcadia_platform.topicnames import TopicNames

SERVICES: Final = ("api", "billing", "inventory", "provisioner")
DEFAULT_PORTS: Final = {"api": 8000, "billing": 8001, "provisioner": 8002, "inventory": 8003}


def _env(*names: str) -> str | None:
    for name in names:
        value = os.environ.get(name)
        if value:
            return value
    return None


class Places(BaseSettings):
    """`ARCADIA_OPS_*` overrides; otherwise each value is what the service itself would use."""

    model_config = SettingsConfigDict(env_prefix="ARCADIA_OPS_", extra="ignore")

    kafka_bootstrap_servers: str = Field(
        default_factory=lambda: os.environ.get("KAFKA_BOOTSTRAP_SERVERS", DEFAULT_KAFKA)
    )
    # The services' topic namespace (empty in production; tests isolate stacks with it).
    topic_namespace: str = Field(
        default_factory=lambda: (
            _env(*(f"ARCADIA_{s.upper()}_TOPIC_NAMESPACE" for s in SERVICES)) or ""
        )
    )
    databases: dict[str, str] = Field(
        default_factory=lambda: {
            s: _env(f"ARCADIA_{s.upper()}_DATABASE_URL") or database_url_for(f"arcadia_{s}")
            for s in SERVICES
        }
    )
    urls: dict[str, str] = Field(
        default_factory=lambda: {
            s: f"http://127.0.0.1:{_env(f'ARCADIA_{s.upper()}_HTTP_PORT') or DEFAULT_PORTS[s]}"
            for s in SERVICES
        }
    )
    provider_url: str = Field(
        default="http://127.0.0.1:8010",
        validation_alias=AliasChoices(
            "ARCADIA_OPS_PROVIDER_URL", "ARCADIA_PROVISIONER_DO_BASE_URL"
        ),
    )
    provider_token: str = Field(
        default="dev-token",
        validation_alias=AliasChoices("ARCADIA_OPS_PROVIDER_TOKEN", "ARCADIA_PROVISIONER_DO_TOKEN"),
    )
    base_domain: str = Field(
        default="apps.arcadia.test",
        validation_alias=AliasChoices("ARCADIA_OPS_BASE_DOMAIN", "ARCADIA_PROVISIONER_BASE_DOMAIN"),
    )
    # A bearer token for the gateway's operator-only internal routes; empty: the CLI signs one
    # with the gateway's own settings (ARCADIA_API_JWT_*), as `arcadia token` does.
    api_token: str = ""
    # The CLI's service credential on every service's internal API: it sends
    # `X-Arcadia-Service: ops:<secret>`, and each service lists caller `ops` in its
    # `ARCADIA_<S>_INTERNAL_CALLERS`. The built-in one works only against development services.
    service_secret: str = DEV_SERVICE_SECRET
    outbox_bound_s: float = 60.0
    saga_grace_s: float = 5.0
    http_timeout_s: float = 10.0

    @property
    def names(self) -> TopicNames:
        return TopicNames(self.topic_namespace)

    def sources(self) -> Sources:
        return Sources(
            api_db=self.databases["api"],
            billing_db=self.databases["billing"],
            provisioner_db=self.databases["provisioner"],
            inventory_db=self.databases["inventory"],
            provider_url=self.provider_url,
            provider_token=self.provider_token,
            base_domain=self.base_domain,
        )
