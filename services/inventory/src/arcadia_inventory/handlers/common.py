"""What every inventory reaction shares: how it publishes, and how it reads its payload."""

from __future__ import annotations

from typing import Protocol, TypeVar

from arcadia_contracts import Envelope, Event
from arcadia_platform.db import Connection

E = TypeVar("E", bound=Event)


class Publish(Protocol):
    async def __call__(self, conn: Connection, cause: Envelope, *payloads: Event) -> None: ...


class IncompleteEnvelopeError(Exception):
    """An event lacks the id its reaction is keyed by: a producer bug, dead-lettered on purpose."""


def payload_of(event: Envelope, kind: type[E]) -> E:
    if not isinstance(event.payload, kind):
        raise TypeError(f"{event.type} routed to the {kind.__name__} handler")
    return event.payload
