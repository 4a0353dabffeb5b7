"""The provisioning model's pure rules: DNS diffing, the error policy, names."""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest

from arcadia_provisioner.domain.dns import (
    DnsConflictError,
    PointDns,
    plan_point,
    plan_revert,
    previous_record,
)
from arcadia_provisioner.domain.model import Job, JobKind, PreviousRecord
from arcadia_provisioner.domain.names import dns_name, droplet_name
from arcadia_provisioner.domain.policy import Decision, Failure, decide
from services.provisioner.tests.fakes import FakeRecord

OURS = "203.0.113.7"
THEIRS = "198.51.100.1"
FQDN = "shop.acme.apps.test"


def a(record_id: int, data: str, type: str = "A") -> FakeRecord:
    return FakeRecord(record_id, type, "shop.acme", data)


def test_pointing_creates_or_keeps_its_own_record() -> None:
    assert plan_point([], OURS, FQDN).action == "create"
    assert plan_point([a(1, "x", type="TXT")], OURS, FQDN).action == "create"
    assert plan_point([a(3, OURS)], OURS, FQDN) == PointDns("keep", 3)


@pytest.mark.parametrize("records", [[2], [3, 2]])
def test_a_record_pointing_elsewhere_is_a_conflict_never_overwritten(records: list[int]) -> None:
    existing = [a(n, OURS if n == 3 else THEIRS) for n in records]
    with pytest.raises(DnsConflictError) as conflict:
        plan_point(existing, OURS, FQDN)
    assert str(conflict.value).startswith("dns_conflict: shop.acme.apps.test")
    assert conflict.value.record.id == 2


def test_the_previous_record_is_one_not_already_ours() -> None:
    assert previous_record([a(3, OURS)], OURS) is None
    assert previous_record([a(3, OURS), a(4, THEIRS)], OURS) == PreviousRecord(4, THEIRS)


def test_reverting_restores_what_we_replaced_or_deletes_ours() -> None:
    replaced = PreviousRecord(4, THEIRS)

    assert plan_revert([a(4, OURS)], replaced, OURS, 4).action == "restore"
    assert plan_revert([a(4, OURS)], replaced, OURS, 4).data == THEIRS
    assert plan_revert([a(4, THEIRS)], replaced, OURS, 4).action == "none"
    assert plan_revert([a(5, OURS)], None, OURS, 5).action == "delete"
    assert plan_revert([], None, OURS, 5) == plan_revert([a(6, THEIRS)], None, OURS, 5)
    assert plan_revert([], None, OURS, 5).record_id == 5


def job(kind: JobKind, attempts: int = 1, *, expired: bool = False) -> Job:
    return Job(1, uuid4(), kind, attempts, expired)


@pytest.mark.parametrize(
    ("claimed", "failure", "expected"),
    [
        (job(JobKind.CREATE_DROPLET), Failure.FINAL, Decision.GIVE_UP),
        (job(JobKind.CREATE_DROPLET, 50), Failure.RETRYABLE, Decision.RETRY),
        (job(JobKind.WAIT_DROPLET, expired=True), Failure.RETRYABLE, Decision.GIVE_UP),
        (job(JobKind.COMPENSATE, 2), Failure.RETRYABLE, Decision.RETRY),
        (job(JobKind.COMPENSATE, 3), Failure.RETRYABLE, Decision.GIVE_UP),
        (job(JobKind.TEARDOWN, 3), Failure.RETRYABLE, Decision.GIVE_UP),
        (job(JobKind.TEARDOWN), Failure.FINAL, Decision.GIVE_UP),
    ],
)
def test_the_error_policy(claimed: Job, failure: Failure, expected: Decision) -> None:
    assert decide(claimed, failure, compensation_max_attempts=3) is expected


def test_names_are_deterministic_and_dns_safe() -> None:
    saga = UUID("12345678-1234-5678-1234-567812345678")

    assert droplet_name(saga, "shop") == "arcadia-shop-123456781234"
    assert dns_name("shop", "Acme Corp!") == "shop.acme-corp-25323256"
