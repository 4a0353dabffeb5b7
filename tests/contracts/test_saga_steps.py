"""The services' own step names and step tables say what `arcadia_contracts.saga` says."""

from __future__ import annotations

import importlib
from typing import Any, Final

from arcadia_contracts.saga import COMPENSATION_REPORTS, PROVISION, TEARDOWN, SagaStep, Service

# Where each service keeps its step vocabulary today (module, attribute); repoint on a move, or
# drop a row once that service takes the name from arcadia_contracts.saga itself.
API_MODEL: Final = "arcadia_api.saga.model"
PARTICIPANT_STEPS: Final = (
    ("arcadia_billing.handlers.saga", "STEP", SagaStep.RESERVE_SUBSCRIPTION),
    ("arcadia_inventory.domain", "REGISTER_STEP", SagaStep.REGISTER_INVENTORY),
)
PROVISIONER_STEPS: Final = ("arcadia_provisioner.domain", "STEP_OF_JOB")


def attribute(module: str, name: str) -> Any:
    return getattr(importlib.import_module(module), name)


def test_the_api_saga_runs_the_steps_in_the_contract_order() -> None:
    assert tuple(attribute(API_MODEL, "PROVISION_STEPS")) == tuple(s.step for s in PROVISION)
    assert tuple(attribute(API_MODEL, "TEARDOWN_STEPS")) == tuple(s.step for s in TEARDOWN)


def test_the_api_moves_each_step_on_its_contract_done_event() -> None:
    participants = {s.done.__name__: s.step for s in PROVISION if s.service is not Service.API}
    assert attribute(API_MODEL, "SUCCESS_EVENTS") == participants
    assert attribute(API_MODEL, "TEARDOWN_REPORTS") == {s.done.__name__: s.step for s in TEARDOWN}


def test_the_api_waits_for_the_contract_compensation_reports() -> None:
    reports = set(attribute(API_MODEL, "COMPENSATION_REPORTS"))
    assert reports == {event.__name__ for event in COMPENSATION_REPORTS}


def test_participants_abort_with_the_contract_step_names() -> None:
    for module, name, step in PARTICIPANT_STEPS:
        assert attribute(module, name) == step, (module, name)
    provisioner = {str(step) for step in attribute(*PROVISIONER_STEPS).values()}
    performed = {str(s.step) for s in PROVISION if s.service is Service.PROVISIONER}
    assert provisioner == performed
