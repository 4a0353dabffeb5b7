"""The saga's vocabulary: kinds, statuses, the steps in order and the events that move them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final


class SagaKind(StrEnum):
    PROVISION = "provision"
    TEARDOWN = "teardown"


class SagaStatus(StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"
    COMPENSATING = "compensating"
    COMPENSATED = "compensated"
    COMPENSATION_FAILED = "compensation_failed"


class StepStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    COMPENSATING = "compensating"
    COMPENSATED = "compensated"


PROVISION_STEPS: Final = (
    "mark_provisioning",
    "reserve_subscription",
    "create_droplet",
    "wait_droplet_active",
    "register_inventory",
    "link_resource",
    "point_dns",
    "activate_deployment",
)
# The success event of each participant's step (DESIGN.md's table).
SUCCESS_EVENTS: Final = {
    "SubscriptionReserved": "reserve_subscription",
    "DropletCreated": "create_droplet",
    "DropletActive": "wait_droplet_active",
    "ResourceRegistered": "register_inventory",
    "ResourceLinked": "link_resource",
    "DnsPointed": "point_dns",
}
# What each participant announces once it has undone its work; the saga is compensated when
# every one of them has reported.
COMPENSATION_REPORTS: Final = {
    "SubscriptionCompensated": "billing",
    "DropletDestroyed": "droplet",
    "DnsReverted": "dns",
    "ResourceReleased": "inventory",
}
TEARDOWN_STEPS: Final = ("remove_dns", "destroy_droplet", "release_resource", "cancel_subscription")
TEARDOWN_REPORTS: Final = {
    "DnsReverted": "remove_dns",
    "DropletDestroyed": "destroy_droplet",
    "ResourceReleased": "release_resource",
    "SubscriptionCancelled": "cancel_subscription",
}


@dataclass
class Step:
    name: str
    position: int
    status: StepStatus = StepStatus.PENDING
    attempts: int = 0
    started_at: datetime | None = None
    finished_at: datetime | None = None
    deadline_at: datetime | None = None
    last_error: str | None = None

    def start(self, now: datetime, timeout: timedelta) -> None:
        self.status = StepStatus.RUNNING
        self.attempts += 1
        self.started_at = now
        self.deadline_at = now + timeout

    def succeed(self, now: datetime) -> None:
        if self.started_at is None:
            self.started_at = now
            self.attempts += 1
        self.status = StepStatus.SUCCEEDED
        self.finished_at = now
        self.deadline_at = None
