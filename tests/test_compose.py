"""docker-compose.yml cannot run here (no Docker engine), so it is checked against the code."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
import threading
import tomllib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from arcadia_api.config import ApiSettings
from arcadia_billing.config import BillingSettings
from arcadia_inventory.config import InventorySettings
from arcadia_platform.settings import ServiceSettings
from arcadia_provisioner.config import ProvisionerSettings

ROOT = Path(__file__).resolve().parent.parent
SETTINGS: dict[str, type[ServiceSettings]] = {
    "api": ApiSettings,
    "billing": BillingSettings,
    "provisioner": ProvisionerSettings,
    "inventory": InventorySettings,
}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services: dict[str, Any] = loaded["services"]
    return services


def test_the_stack_has_kafka_postgres_the_four_services_and_the_simulator(
    compose: dict[str, Any],
) -> None:
    assert set(compose) == {"kafka", "postgres", "topics", "cloudsim", *SETTINGS}
    assert compose["kafka"]["image"].startswith("apache/kafka:")
    assert compose["kafka"]["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert compose["postgres"]["image"].startswith("postgres:")


# Broker settings the services' latency depends on: the dev broker (infra/kafka) and the compose
# one are the same here. The coordinator's linger was 5 ms on every offset commit by default.
BROKER_SETTINGS_SHARED = ("group.initial.rebalance.delay.ms", "group.coordinator.append.linger.ms")


@pytest.mark.parametrize("key", BROKER_SETTINGS_SHARED)
def test_the_compose_broker_shares_the_dev_brokers_latency_settings(
    compose: dict[str, Any], key: str
) -> None:
    template = (ROOT / "infra" / "kafka" / "server.properties.in").read_text().splitlines()
    dev = dict(line.split("=", 1) for line in template if line and not line.startswith("#"))
    env = compose["kafka"]["environment"]
    assert str(env["KAFKA_" + key.replace(".", "_").upper()]) == dev[key] == "0"


@pytest.mark.parametrize("name", ["topics", "cloudsim", *SETTINGS])
def test_every_command_names_a_runnable_module(compose: dict[str, Any], name: str) -> None:
    command = compose[name]["command"]
    assert command[:2] == ["python", "-m"]
    module = command[2]
    assert importlib.util.find_spec(module) is not None, module
    if name != "topics":
        assert importlib.util.find_spec(f"{module}.__main__") is not None, module


def unprefixed_names(settings_type: type[ServiceSettings]) -> set[str]:
    """Settings read under a standard name of their own (e.g. OTEL_EXPORTER_OTLP_ENDPOINT)."""
    names = set()
    for field in settings_type.model_fields.values():
        alias = field.validation_alias
        for choice in getattr(alias, "choices", [alias]):
            if isinstance(choice, str) and choice.isupper():
                names.add(choice)
    return names


@pytest.mark.parametrize("name", list(SETTINGS))
def test_service_env_names_are_settings_the_service_reads(
    compose: dict[str, Any], name: str
) -> None:
    settings_type = SETTINGS[name]
    prefix = str(settings_type.model_config.get("env_prefix", ""))
    env: dict[str, str] = compose[name]["environment"]
    fields = set(settings_type.model_fields)
    for key in env:
        if key in {"KAFKA_BOOTSTRAP_SERVERS", "DATABASE_URL"} | unprefixed_names(settings_type):
            continue
        assert key.startswith(prefix), key
        assert key.removeprefix(prefix).lower() in fields, f"{key}: no such setting"


@pytest.mark.parametrize("name", list(SETTINGS))
def test_ports_and_health_checks_match_the_service(compose: dict[str, Any], name: str) -> None:
    settings = SETTINGS[name]()
    env = compose[name]["environment"]
    port = int(env[f"{SETTINGS[name].model_config.get('env_prefix')}HTTP_PORT"])
    assert port == settings.http_port
    for mapping in compose[name].get("ports", []):
        assert mapping.split(":")[1] == str(port)
    probe = " ".join(compose[name]["healthcheck"]["test"])
    # /ready, not /health: a replica counts as healthy only once its database and Kafka answer.
    assert f"127.0.0.1:{port}/ready" in probe


@pytest.mark.parametrize("name", list(SETTINGS))
def test_every_service_runs_replicas_that_fit_their_host_ports(
    compose: dict[str, Any], name: str
) -> None:
    """Several instances of a service share its database and consumer group (tests/chaos/
    test_scale_out.py); a published port then needs one host port per replica."""
    replicas = compose[name].get("deploy", {}).get("replicas", 1)
    assert replicas >= 2
    for mapping in compose[name].get("ports", []):
        host = mapping.split(":")[0]
        first, _, last = host.partition("-")
        assert int(last or first) - int(first) + 1 >= replicas, mapping


def test_services_reach_kafka_and_postgres_by_their_compose_names(
    compose: dict[str, Any],
) -> None:
    kafka_listener = compose["kafka"]["environment"]["KAFKA_ADVERTISED_LISTENERS"]
    for name in SETTINGS:
        env = compose[name]["environment"]
        assert f"PLAINTEXT://{env['KAFKA_BOOTSTRAP_SERVERS']}" == kafka_listener
        assert urlsplit(env["DATABASE_URL"]).hostname == "postgres"
        assert set(compose[name]["depends_on"]) <= set(compose)


def test_the_gateway_secret_comes_from_the_environment_and_is_required(
    compose: dict[str, Any],
) -> None:
    secret = compose["api"]["environment"]["ARCADIA_API_JWT_SECRET"]
    # `${VAR:?message}`: compose refuses to start when the variable is unset or empty.
    assert re.fullmatch(r"\$\{ARCADIA_API_JWT_SECRET:\?[^}]+\}", secret), secret


REQUIRED = r"\$\{%s:\?[^}]+\}"


@pytest.mark.parametrize("name", list(SETTINGS))
def test_internal_apis_take_their_callers_secrets_from_the_environment(
    compose: dict[str, Any], name: str
) -> None:
    """Service identity: each service's callers map is built from two required variables, and
    the internal listeners bind all interfaces only because compose says so explicitly."""
    prefix = str(SETTINGS[name].model_config.get("env_prefix"))
    env = compose[name]["environment"]
    callers = env[f"{prefix}INTERNAL_CALLERS"]
    assert set(json.loads(re.sub(REQUIRED % r"\w+", "x", callers))) == {"api", "ops"}
    for variable in ("ARCADIA_API_INTERNAL_SECRET", "ARCADIA_OPS_SERVICE_SECRET"):
        assert re.search(REQUIRED % variable, callers), callers
    assert env[f"{prefix}HTTP_HOST"] == "0.0.0.0"
    assert SETTINGS[name]().http_host == "127.0.0.1"  # outside compose: loopback
    assert "ARCADIA_ENV" not in env  # production: the built-in secrets are refused


def test_the_gateway_sends_its_service_secret_from_the_environment(
    compose: dict[str, Any],
) -> None:
    secret = compose["api"]["environment"]["ARCADIA_API_INTERNAL_SECRET"]
    assert re.fullmatch(REQUIRED % "ARCADIA_API_INTERNAL_SECRET", secret), secret


def test_postgres_init_creates_every_service_database() -> None:
    init_sql = (ROOT / "infra" / "postgres" / "init-databases.sql").read_text()
    created = set(re.findall(r"CREATE DATABASE (\w+);", init_sql))
    wanted = {urlsplit(SETTINGS[name]().database_url).path.lstrip("/") for name in SETTINGS}
    assert wanted == created


def test_the_image_is_built_from_the_workspace() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    for part in ("libs", "services", "tools", "uv.lock"):
        assert part in dockerfile
    assert "uv sync --frozen" in dockerfile


def test_postgres_is_healthy_only_once_it_answers_over_tcp(compose: dict[str, Any]) -> None:
    """During initdb the image's entrypoint runs a temporary server on the Unix socket only; a
    socket probe would call it ready before the init script has created the databases."""
    test = compose["postgres"]["healthcheck"]["test"]
    probe = test[1] if test[0] == "CMD-SHELL" else " ".join(test[1:])
    assert probe.startswith("pg_isready ")
    assert re.search(r"(^|\s)-h 127\.0\.0\.1(\s|$)", probe), probe


@pytest.fixture
def readiness_server() -> Iterator[tuple[int, list[int]]]:
    """A loopback server whose /ready answers the status at the head of the returned list."""
    status = [200]

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            code = status[0] if self.path == "/ready" else 404
            self.send_response(code)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], status
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("name", list(SETTINGS))
def test_a_service_probe_fails_while_the_service_is_not_ready(
    compose: dict[str, Any], name: str, readiness_server: tuple[int, list[int]]
) -> None:
    """The healthcheck command itself, run against a stand-in: 200 passes, /ready's 503 fails."""
    port, status = readiness_server
    test = compose[name]["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "-c"]
    script = test[3].replace(f":{SETTINGS[name]().http_port}/", f":{port}/")

    def probe() -> int:
        return subprocess.run([sys.executable, "-c", script], capture_output=True).returncode

    assert probe() == 0
    status[0] = 503
    assert probe() != 0


def _dockerfile() -> list[str]:
    return [line.strip() for line in (ROOT / "Dockerfile").read_text().splitlines()]


def test_the_image_pins_uv_to_the_makefiles_version() -> None:
    wanted = re.search(r"^UV_VERSION\s*:=\s*(\S+)", (ROOT / "Makefile").read_text(), re.M)
    assert wanted is not None
    lines = _dockerfile()
    assert f"ARG UV_VERSION={wanted[1]}" in lines
    (install,) = [line for line in lines if line.startswith("RUN pip install")]
    assert '"uv==${UV_VERSION}"' in install


def test_dependencies_are_installed_in_a_layer_before_the_sources() -> None:
    lines = _dockerfile()
    deps = lines.index("RUN uv sync --frozen --no-dev --no-install-workspace")
    first_source = min(
        i for i, line in enumerate(lines) if re.fullmatch(r"COPY (libs|services|tools) \S+", line)
    )
    assert deps < first_source
    assert lines.index("RUN uv sync --frozen --no-dev") > first_source
    # Every workspace member's pyproject.toml (and nothing else of it) is there for the first sync.
    root = tomllib.loads((ROOT / "pyproject.toml").read_text())
    members = sorted(
        path.parent.relative_to(ROOT).as_posix()
        for pattern in root["tool"]["uv"]["workspace"]["members"]
        for path in ROOT.glob(f"{pattern}/pyproject.toml")
    )
    copied = [line.split()[1] for line in lines[:deps] if line.startswith("COPY ")]
    assert sorted(c.removesuffix("/pyproject.toml") for c in copied if "/" in c) == members
