"""A saga event without a saga id is refused with its own DLQ reason, not dropped."""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest

from arcadia_contracts import Envelope, envelope
from arcadia_contracts.events.provisioner import DnsPointed
from arcadia_platform.consumer import InvalidEventError
from arcadia_platform.sagas import MISSING_SAGA_ID, require_saga_id


def _event(saga_id: UUID | None) -> Envelope:
    return envelope(
        DnsPointed(record_id=7, fqdn="a.example", ip_address="10.0.0.1"),
        producer="provisioner",
        tenant_id="acme",
        saga_id=saga_id,
    )


def test_the_saga_id_is_returned_when_present() -> None:
    saga = uuid4()
    assert require_saga_id(_event(saga)) == saga


def test_a_missing_saga_id_is_an_invalid_event_with_its_own_reason() -> None:
    with pytest.raises(InvalidEventError) as raised:
        require_saga_id(_event(None))
    assert raised.value.reason == MISSING_SAGA_ID
    assert "DnsPointed" in str(raised.value)
