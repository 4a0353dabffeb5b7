"""The in-flight marker of a key whose work is another service's call: a lease, then free."""

from __future__ import annotations

from arcadia_platform.idempotency import JSON, StoredAnswer
from arcadia_platform.idempotency_remote import PENDING, in_flight, marker


def test_a_marker_holds_the_key_until_its_lease_runs_out() -> None:
    held = marker("print", until=100.0)

    assert held.status_code == PENDING
    assert in_flight(held, now=99.9)
    assert not in_flight(held, now=100.0)  # the first process died mid-call: the key is free
    assert not in_flight(marker("print", until=0), now=1.0)  # let go after a 5xx


def test_a_stored_answer_is_never_in_flight() -> None:
    answer = StoredAnswer("print", 200, JSON, {"pending_until": 10**12})
    assert not in_flight(answer, now=0.0)
    assert not in_flight(StoredAnswer("print", PENDING, JSON, None), now=0.0)
