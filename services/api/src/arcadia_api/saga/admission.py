"""Admission of provisioning sagas against the provider's request budget.

DigitalOcean serves a token 250 requests a minute; the provisioner's share is
`provider_budget_per_minute` and one saga costs about `provider_requests_per_saga` of them. A
burst beyond that queues in the provisioner's limiter, and a saga that waits there longer than
its deadlines would be aborted for nothing. So the gateway admits only what the budget can serve
within `provider_admission_wait_s`, and refuses the rest up front: 429 with a `Retry-After`
computed from the queue (the rate limit's problem shape, slug `provider-budget`).

The queue is one row (GCRA): `tat` is when the budget promised to admitted sagas runs out.
Admitting a saga moves it by the saga's cost, `60 * requests_per_saga / budget_per_minute`
seconds, unless the new `tat` would lie more than the admitted wait ahead of now. One UPDATE,
in the create's own transaction (a refused or rolled-back create takes nothing), holding the
row's lock only from that statement to the commit; every gateway instance shares it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from prometheus_client import Counter

from arcadia_platform.db import Connection
from arcadia_platform.logs import get_logger
from arcadia_platform.problems import ProblemError

log = get_logger(__name__)

_ADMIT = """
UPDATE provider_admission
   SET tat = greatest(tat, now()) + make_interval(secs => $1)
 WHERE name = 'provider'
   AND greatest(tat, now()) + make_interval(secs => $1) <= now() + make_interval(secs => $2)
RETURNING true
"""
_RETRY_AFTER = """
SELECT extract(epoch FROM greatest(tat, now()) + make_interval(secs => $1)
                          - now() - make_interval(secs => $2))::float8
  FROM provider_admission WHERE name = 'provider'
"""


class ProviderBudgetFullError(ProblemError):
    def __init__(self, retry_after_s: float) -> None:
        seconds = max(1, math.ceil(retry_after_s))
        super().__init__(
            429,
            "The cloud provider's request budget is taken by the provisionings already queued;"
            f" retry in {seconds} s",
            slug="provider-budget",
            headers={"Retry-After": str(seconds)},
        )


@dataclass(frozen=True)
class ProviderAdmission:
    """`cost_s`: budget seconds one saga takes; `max_wait_s`: the longest queue admitted."""

    cost_s: float
    max_wait_s: float

    @classmethod
    def of(
        cls, budget_per_minute: int, requests_per_saga: float, max_wait_s: float
    ) -> ProviderAdmission | None:
        """None (everything admitted) when the budget is 0: no client-side limit."""
        if budget_per_minute <= 0:
            return None
        return cls(60.0 * requests_per_saga / budget_per_minute, max_wait_s)

    async def admit(self, conn: Connection) -> None:
        """Take this saga's share of the budget, or raise a 429 with the queue's Retry-After."""
        if await conn.fetchval(_ADMIT, self.cost_s, self.max_wait_s):
            return
        retry_after = await conn.fetchval(_RETRY_AFTER, self.cost_s, self.max_wait_s)
        REFUSED.inc()
        log.info("saga.provider_budget_full", retry_after_s=round(retry_after or 0, 3))
        raise ProviderBudgetFullError(retry_after or 1.0)


REFUSED = Counter(
    "arcadia_provider_admission_refused_total",
    "Provisioning requests refused with 429 because the provider budget was taken",
)
