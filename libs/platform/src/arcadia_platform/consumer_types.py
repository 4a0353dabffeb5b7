"""What the inbox consumer is configured with: routes, the retry policy, the handlers' errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import asyncpg

from arcadia_contracts import Envelope, Event
from arcadia_platform.backoff import Backoff
from arcadia_platform.db import DATABASE_UNAVAILABLE, Connection

Handler = Callable[[Connection, Envelope], Awaitable[None]]
# Not the message's fault: also a server restarting after a crash ("the database system is
# starting up", 57P03) or shutting down (57P01/57P02), and a pool acquire timeout. Dead-lettering
# those lost every event that arrived during crash recovery (found by the chaos tests).
#
# A deadlock or a serialization failure is not the message's fault either. Since a consumed chunk
# is one transaction (up to EVENTS_PER_TRANSACTION events), it holds the row locks of every event
# applied so far: retrying one event under its savepoint keeps those and can deadlock again (two
# instances did, in the scale-out chaos test). Rolling the whole chunk back releases them, and the
# redelivered batch is applied again.
INFRASTRUCTURE_ERRORS: tuple[type[BaseException], ...] = (
    *DATABASE_UNAVAILABLE,
    asyncpg.DeadlockDetectedError,
    asyncpg.SerializationError,
)
HANDLER_FAILED = "handler_failed"
INVALID_EVENT = "invalid_event"


class InvalidEventError(Exception):
    """Raised by a handler when an event breaks its contract's rules (e.g. a negative amount).

    The event is dead-lettered at once with `reason` (default `invalid_event`): no retry would
    change it. Its transaction rolls back, inbox row included, so nothing of it is recorded.
    """

    def __init__(self, detail: str, *, reason: str = INVALID_EVENT) -> None:
        super().__init__(detail)
        self.reason = reason


@dataclass
class Routes:
    """Which handler reacts to which event type on which topic."""

    by_topic: dict[str, dict[str, Handler]] = field(default_factory=dict)

    def on(self, topic: str, event: type[Event], handler: Handler) -> None:
        self.by_topic.setdefault(topic, {})[event.__name__] = handler

    def topics(self) -> list[str]:
        return sorted(self.by_topic)


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    backoff_base_s: float = 0.05
    backoff_max_s: float = 2.0

    def delay(self, attempt: int) -> float:
        return Backoff(self.backoff_base_s, self.backoff_max_s).delay(attempt - 1)


# Events applied in one transaction at most (a consumed batch is split in such chunks). Each
# savepoint that writes takes a subtransaction id; past 64 in one transaction PostgreSQL's
# per-backend cache of them overflows and every other session's snapshots get slower.
EVENTS_PER_TRANSACTION = 50
