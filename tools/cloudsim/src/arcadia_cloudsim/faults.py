"""Injected faults: per operation, a queue of failures consumed by the next matching calls."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Operation(StrEnum):
    DROPLETS_CREATE = "droplets.create"
    DROPLETS_LIST = "droplets.list"
    DROPLETS_GET = "droplets.get"
    DROPLETS_DELETE = "droplets.delete"
    RECORDS_LIST = "records.list"
    RECORDS_CREATE = "records.create"
    RECORDS_UPDATE = "records.update"
    RECORDS_DELETE = "records.delete"
    ACTIONS_GET = "actions.get"


class FaultKind(StrEnum):
    STATUS = "status"
    TIMEOUT = "timeout"
    NEVER_ACTIVE = "never_active"
    ERRORED = "errored"


# Faults that change a droplet's lifecycle rather than the HTTP exchange.
LIFECYCLE_KINDS = frozenset({FaultKind.NEVER_ACTIVE, FaultKind.ERRORED})


@dataclass(frozen=True)
class Fault:
    operation: Operation
    kind: FaultKind
    status: int = 0
    hang_ms: int = 0
    retry_after_s: int = 1
    message: str = ""

    def describe(self) -> Any:
        """The `fault` value as the client gave it: an HTTP status or a name."""
        return self.status if self.kind is FaultKind.STATUS else self.kind.value


@dataclass
class _Pending:
    fault: Fault
    remaining: int


class FaultBook:
    """Pending faults; not thread-safe on its own, the simulator's lock guards it."""

    def __init__(self) -> None:
        self._queues: dict[Operation, deque[_Pending]] = {}

    def add(self, fault: Fault, count: int) -> None:
        self._queues.setdefault(fault.operation, deque()).append(_Pending(fault, count))

    def clear(self) -> None:
        self._queues.clear()

    def peek(self, operation: Operation) -> Fault | None:
        queue = self._queues.get(operation)
        return queue[0].fault if queue else None

    def consume(self, operation: Operation) -> Fault:
        """Use one occurrence of the head fault of `operation` (the caller peeked it)."""
        queue = self._queues[operation]
        head = queue[0]
        head.remaining -= 1
        if head.remaining <= 0:
            queue.popleft()
        return head.fault

    def pending(self) -> list[dict[str, Any]]:
        return [
            {
                "operation": op.value,
                "fault": item.fault.describe(),
                "remaining": item.remaining,
                "hang_ms": item.fault.hang_ms,
            }
            for op, queue in self._queues.items()
            for item in queue
        ]


def fault_from_request(
    operation: str, fault: int | str, hang_ms: int, retry_after_s: int, message: str
) -> Fault:
    """Validate a POST /_sim/faults request; raises ValueError with a message for the caller."""
    try:
        op = Operation(operation)
    except ValueError:
        raise ValueError(
            f"operation must be one of {', '.join(o.value for o in Operation)}"
        ) from None
    if isinstance(fault, str) and fault.isdigit():
        fault = int(fault)
    if isinstance(fault, int):
        if not 400 <= fault <= 599:
            raise ValueError("an HTTP status fault must be within 400..599")
        return Fault(
            op, FaultKind.STATUS, status=fault, retry_after_s=retry_after_s, message=message
        )
    try:
        kind = FaultKind(fault)
    except ValueError:
        kind = FaultKind.STATUS  # never valid as a name: only the integer form sets it
    if kind is FaultKind.STATUS:
        raise ValueError('fault must be an HTTP status, "timeout", "never_active" or "errored"')
    if kind in LIFECYCLE_KINDS and op is not Operation.DROPLETS_GET:
        raise ValueError(f'"{kind.value}" applies to droplets.get only')
    return Fault(op, kind, hang_ms=hang_ms, message=message)
