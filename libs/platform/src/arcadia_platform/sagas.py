"""One policy for a saga event that carries no saga id: dead-letter it, never drop it."""

from __future__ import annotations

from typing import Final
from uuid import UUID

from arcadia_contracts import Envelope
from arcadia_platform.consumer import InvalidEventError

# The DLQ reason (the `dlq-reason` header) of a saga event without a saga id.
MISSING_SAGA_ID: Final = "missing_saga_id"


def require_saga_id(event: Envelope) -> UUID:
    """The event's saga id; an event of a saga step without one is dead-lettered.

    Raising InvalidEventError rolls the handler's transaction back (inbox row included) and puts
    the record in the DLQ with reason `missing_saga_id`: an operator can see it, fix the producer
    and redrive it, where a silent drop would lose a step of someone's saga for good.
    """
    if event.saga_id is None:
        raise InvalidEventError(
            f"{event.type} {event.event_id} belongs to a saga step but carries no saga_id",
            reason=MISSING_SAGA_ID,
        )
    return event.saga_id
