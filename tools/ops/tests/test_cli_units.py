"""The CLI's pieces on fakes: findings and their fix commands, the audit's rendering and exit codes,
dead-letter headers and filters, durations, JSON, and where the settings point."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from typer.testing import CliRunner

from arcadia_ops import audit as audit_module
from arcadia_ops.audit import AuditReport, Finding, from_lag, from_violation
from arcadia_ops.backlog import Backlog
from arcadia_ops.cli import app
from arcadia_ops.cli.common import parse_since
from arcadia_ops.dead_letters import REDRIVEN_FROM, Filters, from_record
from arcadia_ops.invariants import Violation
from arcadia_ops.jsonable import plain
from arcadia_ops.kafka_state import GroupLag
from arcadia_ops.places import Places
from arcadia_ops.views import Deployment, Saga, Subscription, World

NOW = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)
runner = CliRunner()


def world(*subscriptions: Subscription) -> World:
    return World(
        now=NOW,
        deployments=[Deployment("d-1", "acme", "shop", "active", provisioned=True)],
        sagas=[Saga("s-1", "d-1", "provision", "completed", NOW)],
        subscriptions=list(subscriptions),
    )


def test_an_active_deployment_with_no_subscription_at_all_is_fixable() -> None:
    v = Violation("subscription_mismatch", "d-1", "active deployment: expected ...")

    finding = from_violation(world(), v)

    assert finding.kind == "subscription_missing"
    assert finding.fixable
    assert finding.fix == "arcadia audit fix --deployment d-1 --yes"


def test_a_pending_subscription_is_left_to_a_human_with_where_to_look() -> None:
    v = Violation("subscription_mismatch", "d-1", "active deployment: expected ...")

    finding = from_violation(world(Subscription("sub", "d-1", "pending")), v)

    assert (finding.kind, finding.fixable) == ("subscription_mismatch", False)
    assert finding.fix.startswith("arcadia saga show s-1")


def group(members: int, lag: int) -> GroupLag:
    return GroupLag("billing", "ns.billing", "Stable" if members else "Empty", members, lag, [])


@pytest.mark.parametrize(
    ("members", "lag", "found"),
    [(0, 1, True), (0, 0, False), (1, 5, False), (1, 5000, True)],
)
def test_lag_is_a_finding_without_members_or_past_the_bound(
    members: int, lag: int, found: bool
) -> None:
    assert (from_lag(group(members, lag), lag_bound=1000) is not None) is found


def report(*findings: Finding) -> AuditReport:
    return AuditReport(
        checked_at=NOW,
        tenant=None,
        deployments=1,
        findings=list(findings),
        backlog=[Backlog("api", 2, timedelta(seconds=3), 0)],
        lag=[group(1, 0)],
    )


@pytest.fixture
def fake_report(monkeypatch: pytest.MonkeyPatch) -> list[AuditReport]:
    reports: list[AuditReport] = []

    async def build(places: Places, **_: Any) -> AuditReport:
        return reports[0]

    monkeypatch.setattr("arcadia_ops.cli.audit.build_report", build)
    assert audit_module.build_report is not build  # the CLI's reference is the one replaced
    return reports


def test_a_clean_audit_says_so_and_exits_0(fake_report: list[AuditReport]) -> None:
    fake_report.append(report())

    result = runner.invoke(app, ["audit"])

    assert result.exit_code == 0
    assert "clean" in result.stdout
    assert "billing" in result.stdout  # the groups table


def test_each_finding_is_printed_with_its_fix_and_the_audit_exits_1(
    fake_report: list[AuditReport],
) -> None:
    fix = "arcadia outbox release 7 --service api"
    fake_report.append(report(Finding("outbox_parked", "d-1", "parked", fix, fixable=True)))

    human = runner.invoke(app, ["audit"], terminal_width=200)
    machine = runner.invoke(app, ["audit", "--json"])

    assert human.exit_code == machine.exit_code == 1
    assert fix in human.stdout
    body = json.loads(machine.stdout)
    assert body["clean"] is False
    assert body["findings"][0]["fix"] == fix
    assert body["backlog"][0]["oldest_unsent_age"] == 3.0


@dataclass
class FakeRecord:
    topic: str
    partition: int = 2
    offset: int = 9
    timestamp: int = 1_764_684_000_000
    key: bytes | None = b"d-1"
    value: bytes | None = b"{}"
    headers: list[tuple[str, bytes | None]] = field(default_factory=list)


def test_a_dlq_record_is_read_from_its_headers_and_sent_back_without_them() -> None:
    places = Places(topic_namespace="ns")
    record = FakeRecord(
        "ns.arcadia.billing.v1.dlq",
        headers=[
            ("traceparent", b"00-abc"),
            (REDRIVEN_FROM, b"arcadia.billing.v1.dlq:0:1"),
            ("dlq-reason", b"handler_failed"),
            ("dlq-consumer", b"api"),
            ("dlq-origin-topic", b"ns.arcadia.billing.v1"),
            ("dlq-origin-partition", b"2"),
            ("dlq-origin-offset", b"41"),
        ],
    )

    letter = from_record(record, places)

    assert letter.id == "arcadia.billing.v1.dlq:2:9"
    assert (letter.origin_topic, letter.origin_partition, letter.origin_offset) == (
        "arcadia.billing.v1",
        2,
        41,
    )
    assert letter.redriven_from == "arcadia.billing.v1.dlq:0:1"
    assert letter.original_headers() == [("traceparent", b"00-abc")]
    assert Filters(topic="arcadia.billing.v1", reason="handler_failed").match(letter)
    assert not Filters(reason="undecodable").match(letter)
    assert not Filters(since=letter.at + timedelta(seconds=1)).match(letter)


def test_since_takes_a_duration_or_a_timestamp() -> None:
    assert parse_since("15m", NOW) == NOW - timedelta(minutes=15)
    assert parse_since("2026-12-01T10:00:00") == datetime(2026, 12, 1, 10, tzinfo=UTC)
    result = runner.invoke(app, ["dlq", "list", "--since", "yesterday"])
    assert result.exit_code == 2
    assert "--since 'yesterday'" in result.stderr


def test_json_form_of_typed_results() -> None:
    value = {"at": NOW, "took": timedelta(milliseconds=1500), "key": b"k\xff", "g": group(0, 1)}

    assert plain(value) == {
        "at": "2026-12-02T14:00:00+00:00",
        "took": 1.5,
        "key": "k\\xff",
        "g": {
            "service": "billing",
            "group": "ns.billing",
            "state": "Empty",
            "members": 0,
            "lag": 1,
            "partitions": [],
        },
    }


def test_places_follow_the_services_own_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@db:5432/postgres")
    monkeypatch.setenv("ARCADIA_BILLING_DATABASE_URL", "postgresql://u:p@other/billing")
    monkeypatch.setenv("ARCADIA_INVENTORY_HTTP_PORT", "9003")
    monkeypatch.setenv("ARCADIA_API_TOPIC_NAMESPACE", "blue")
    monkeypatch.setenv("ARCADIA_PROVISIONER_DO_BASE_URL", "https://api.digitalocean.com")

    places = Places()

    assert places.databases["api"] == "postgresql://u:p@db:5432/arcadia_api"
    assert places.databases["billing"] == "postgresql://u:p@other/billing"
    assert places.urls["inventory"] == "http://127.0.0.1:9003"
    assert places.urls["api"] == "http://127.0.0.1:8000"
    assert places.names.physical("arcadia.billing.v1") == "blue.arcadia.billing.v1"
    assert places.sources().provider_url == "https://api.digitalocean.com"


def test_messages_quote_their_input_literally_never_as_markup() -> None:
    result = runner.invoke(app, ["saga", "show", "[red]x[/red]"])

    assert result.exit_code == 2
    assert "'[red]x[/red]' is not a saga id" in result.stderr
