"""The toolbox's pure pieces: replay's arguments (refused before anything is reached), the saga
retry's trigger table against the saga vocabulary, and rebuild's report."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from typer.testing import CliRunner

from arcadia_contracts.saga import PROVISION, TEARDOWN, SagaStep
from arcadia_ops.cli import app
from arcadia_ops.cli import rebuild as rebuild_cli
from arcadia_ops.replay import ReplayRefused, parse_partition_offset
from arcadia_ops.saga_retry import TRIGGERS

runner = CliRunner()
# Nothing listens there: a command that reached for Kafka would fail with exit 3, not 2.
CLOSED = {"KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1", "COLUMNS": "200"}


@pytest.mark.parametrize(
    "args",
    [
        ["--service", "billing"],
        ["--service", "billing", "--from-beginning", "--from-time", "2026-01-01T00:00:00"],
        ["--service", "nobody", "--from-beginning"],
        ["--service", "billing", "--from-time", "yesterday"],
        ["--service", "billing", "--from-offset", "3"],
    ],
)
def test_replay_refuses_bad_arguments_before_reaching_kafka(args: list[str]) -> None:
    result = runner.invoke(app, ["replay", *args], env=CLOSED)
    assert result.exit_code == 2, result.output


def test_partition_offset() -> None:
    assert parse_partition_offset("2:42") == (2, 42)
    for bad in ("2", ":4", "a:1", "1:-3"):
        with pytest.raises(ReplayRefused):
            parse_partition_offset(bad)


def test_every_retryable_step_has_the_trigger_of_the_step_before() -> None:
    for before, step in itertools.pairwise(PROVISION):
        if step.step in TRIGGERS and step.step is not SagaStep.LINK_RESOURCE:
            assert TRIGGERS[step.step].event_type == before.done.__name__, step.step
            assert TRIGGERS[step.step].performer == step.service.value, step.step
            assert TRIGGERS[step.step].producer == before.service.value, step.step
    # Linking happens in the same handler as registering: the same trigger.
    assert TRIGGERS[SagaStep.LINK_RESOURCE] == TRIGGERS[SagaStep.REGISTER_INVENTORY]
    assert SagaStep.WAIT_DROPLET_ACTIVE not in TRIGGERS  # a durable job, no trigger
    for spec in TEARDOWN:
        assert TRIGGERS[spec.step].event_type == "DeploymentTeardownRequested"
        assert TRIGGERS[spec.step].performer == spec.service.value


def final(**over: Any) -> dict[str, Any]:
    base = {
        "service": "billing",
        "projection": "deployments",
        "status": "swapped",
        "events_total": 120,
        "events_read": 120,
        "rows": 7,
        "differing_rows": 0,
        "error": None,
        "started_at": 100.0,
        "finished_at": 102.0,
    }
    return base | over


def test_rebuild_report(capsys: pytest.CaptureFixture[str]) -> None:
    rebuild_cli._print(final())
    shown = " ".join(capsys.readouterr().out.split())
    assert "billing.deployments: 120 events in 2.0s (60 ev/s), 7 rows, swapped in" in shown
    assert "0 row(s) differed" in shown
    rebuild_cli._print(final(status="failed", error="boom [red]x[/red]"))
    assert "failed boom [red]x[/red]" in capsys.readouterr().out  # printed literally


@pytest.mark.parametrize(
    ("spelled", "owner"),
    [
        ("inventory.resources", ("inventory", "resources")),
        ("inventory-resources", ("inventory", "resources")),
        ("api.subscriptions", ("api", "subscriptions")),
        ("billing-deployments", ("billing", "deployments")),
    ],
)
async def test_rebuild_names_a_projection_by_service_without_asking(
    spelled: str, owner: tuple[str, str]
) -> None:
    # A qualified name needs no look-up: `where` is never used (None would fail if it were).
    assert await rebuild_cli._owner(None, spelled) == owner  # type: ignore[arg-type]


def test_saga_retry_and_abort_check_the_id_first() -> None:
    for command in (["saga", "retry", "not-a-uuid", "--step", "point_dns"], ["saga", "abort", "x"]):
        result = runner.invoke(app, command, env=CLOSED)
        assert result.exit_code == 2, result.output
