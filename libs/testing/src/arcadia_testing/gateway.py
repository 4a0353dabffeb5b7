"""Test helpers: a real gateway process on a free port, and tokens it accepts. Tests only."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from arcadia_api.config import ApiSettings
from arcadia_api.http.tokens import issue_token
from arcadia_testing.plugin import ServiceProcess
from arcadia_testing.ports import free_port, refusing_port

TEST_SECRET = "test-secret-for-the-arcadia-api-suite-0123456789"
# The gateway's service secret on billing and inventory as start_upstreams configures them
# (ARCADIA_<S>_INTERNAL_CALLERS), not the built-in development one.
TEST_SERVICE_SECRET = "test-service-secret-of-the-arcadia-gateway-0123456789"
DEFAULT_ROLES = ("admin",)
OPERATOR_ROLES = ("admin", "platform-admin")


def closed_url() -> str:
    """An address that refuses connections for the whole session: an upstream that is down."""
    return f"http://127.0.0.1:{refusing_port()}"


def settings_for_tests(**overrides: object) -> ApiSettings:
    return ApiSettings.model_validate({"jwt_secret": TEST_SECRET, **overrides})


@dataclass
class Gateway:
    """A running `python -m arcadia_api` and what a test needs to talk to it."""

    url: str
    database_url: str
    namespace: str
    kafka: str
    process: ServiceProcess

    def token(
        self,
        tenant: str,
        roles: Sequence[str] = DEFAULT_ROLES,
        sub: str = "user-1",
        ttl_s: int = 600,
    ) -> str:
        return issue_token(
            settings_for_tests(), tenant_id=tenant, roles=roles, sub=sub, ttl_s=ttl_s
        )

    def auth(
        self, tenant: str, roles: Sequence[str] = DEFAULT_ROLES, sub: str = "user-1"
    ) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(tenant, roles, sub)}"}


async def start_gateway(
    make_process: Callable[[list[str], dict[str, str], str], ServiceProcess],
    *,
    database_url: str,
    namespace: str,
    kafka: str,
    billing_url: str | None = None,
    inventory_url: str | None = None,
    extra_env: dict[str, str] | None = None,
) -> Gateway:
    """Without `billing_url` / `inventory_url`, those upstreams are down (closed ports)."""
    port = free_port()
    env = {
        "ARCADIA_ENV": "development",  # the built-in service secrets are accepted
        "ARCADIA_API_DATABASE_URL": database_url,
        "ARCADIA_API_TOPIC_NAMESPACE": namespace,
        "ARCADIA_API_HTTP_PORT": str(port),
        "ARCADIA_API_JWT_SECRET": TEST_SECRET,
        "ARCADIA_API_INTERNAL_SECRET": TEST_SERVICE_SECRET,
        "ARCADIA_API_RELAY_POLL_INTERVAL_S": "0.1",
        "ARCADIA_API_BILLING_URL": billing_url or closed_url(),
        "ARCADIA_API_INVENTORY_URL": inventory_url or closed_url(),
        "ARCADIA_API_PROVISIONER_URL": closed_url(),
        "KAFKA_BOOTSTRAP_SERVERS": kafka,
        # No provisioner behind it: admission against the provider budget has its own tests.
        "ARCADIA_API_PROVIDER_BUDGET_PER_MINUTE": "0",
        **(extra_env or {}),
    }
    process = make_process([sys.executable, "-m", "arcadia_api"], env, f"api-{port}")
    process.start()
    url = f"http://127.0.0.1:{port}"
    await process.wait_http(f"{url}/ready")
    return Gateway(url, database_url, namespace, kafka, process)
