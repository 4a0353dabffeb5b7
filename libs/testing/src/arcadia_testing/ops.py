"""The `arcadia` CLI run against a test stack, with the environment an operator's shell next to
that stack would hold."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from typer.testing import CliRunner, Result

from arcadia_ops.cli import app
from arcadia_testing.gateway import TEST_SECRET
from arcadia_testing.stack import BASE_DOMAIN, PROVIDER_TOKEN, SERVICES, Stack

runner = CliRunner()


def cli_env(stack: Stack) -> dict[str, str]:
    """What an operator's shell next to this stack would hold."""
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": stack.infra.kafka,
        "ARCADIA_OPS_TOPIC_NAMESPACE": stack.namespace,
        "ARCADIA_OPS_PROVIDER_URL": stack.sim,
        "ARCADIA_OPS_PROVIDER_TOKEN": PROVIDER_TOKEN,
        "ARCADIA_OPS_BASE_DOMAIN": BASE_DOMAIN,
        "ARCADIA_API_JWT_SECRET": TEST_SECRET,
        "COLUMNS": "250",  # Rich folds table cells to the terminal's width
    }
    for service in SERVICES:
        env[f"ARCADIA_{service.upper()}_DATABASE_URL"] = stack.databases[service]
        env[f"ARCADIA_{service.upper()}_HTTP_PORT"] = str(stack.ports[service])
    return env


async def arcadia(stack: Stack, *args: str) -> Result:
    # The CLI runs its own event loop: off the test's loop, in a thread.
    return await asyncio.to_thread(runner.invoke, app, list(args), env=cli_env(stack))


async def arcadia_json(stack: Stack, *args: str) -> tuple[int, Any]:
    """The exit code and the parsed `--json` output."""
    result = await arcadia(stack, *args, "--json")
    try:
        return result.exit_code, json.loads(result.stdout)
    except ValueError as error:
        raise AssertionError(f"not JSON (exit {result.exit_code}): {result.output}") from error
