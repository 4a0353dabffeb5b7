"""The billing cycle: a loop that does, at billing's clock, what falls due by itself.

Its schedule is durable because it is billing's own data: `current_period_end` (a period to
close), `trial_ends_at` (a trial to end), `past_due_since` (dunning's grace running). Each run
acts on everything due at that moment, so a service that was down catches up on its first run.
Several instances may run it at once: periods are closed under the subscription's row lock and
`closed_periods`' key, trials and dunning are taken `FOR UPDATE SKIP LOCKED` and marked done in
the transaction that publishes their event.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta

from arcadia_billing.adapters.publisher import Publisher
from arcadia_billing.adapters.schedule import ScheduleRepository
from arcadia_billing.clock import Clock
from arcadia_billing.commands import Transactions
from arcadia_billing.commands.ledger import LedgerCommands
from arcadia_billing.config import BillingSettings
from arcadia_contracts.events.billing import SubscriptionSuspended, SubscriptionTrialEnded
from arcadia_platform.logs import get_logger

log = get_logger(__name__)
SYSTEM = "system"


@dataclass
class CycleRun:
    periods: int = 0
    trials: int = 0
    suspended: int = 0


class BillingCycle:
    def __init__(
        self,
        transactions: Transactions,
        ledger: LedgerCommands,
        publisher: Publisher,
        clock: Clock,
        settings: BillingSettings,
    ) -> None:
        self._tx = transactions
        self._ledger = ledger
        self._publisher = publisher
        self._clock = clock
        self._settings = settings

    async def run(self) -> None:
        while True:
            await self.tick()
            await asyncio.sleep(self._settings.cycle_interval_s)

    async def tick(self) -> CycleRun:
        """One run: close ended periods, end trials, suspend what the grace period let go."""
        now = self._clock()
        run = CycleRun()
        run.periods = len(await self._ledger.close_periods(now, SYSTEM))
        run.trials = await self._end_trials()
        run.suspended = await self._suspend_past_due()
        if run.trials or run.suspended:
            self._publisher.wake_relay()
        if run.periods or run.trials or run.suspended:
            log.info(
                "cycle.ran",
                at=now.isoformat(),
                periods=run.periods,
                trials=run.trials,
                suspended=run.suspended,
            )
        return run

    async def _end_trials(self) -> int:
        ended = 0
        while True:
            async with self._tx.begin() as conn:
                schedule = ScheduleRepository(conn)
                due = await schedule.trials_due(self._clock(), self._settings.cycle_batch)
                for trial in due:
                    await schedule.mark_trial_ended(trial.subscription_id, self._clock())
                    await self._publisher.publish(
                        conn,
                        SubscriptionTrialEnded(
                            subscription_id=str(trial.subscription_id),
                            trial_ended_at=(trial.at or self._clock()).isoformat(),
                        ),
                        tenant_id=trial.tenant_id,
                        deployment_id=trial.deployment_id,
                    )
            ended += len(due)
            if len(due) < self._settings.cycle_batch:
                return ended

    async def _suspend_past_due(self) -> int:
        grace = timedelta(seconds=self._settings.dunning_grace_s)
        suspended = 0
        while True:
            async with self._tx.begin() as conn:
                schedule = ScheduleRepository(conn)
                now = self._clock()
                due = await schedule.dunning_due(now - grace, self._settings.cycle_batch)
                for subscription in due:
                    await schedule.mark_dunning_suspended(subscription.subscription_id, now)
                    await self._publisher.publish(
                        conn,
                        SubscriptionSuspended(
                            subscription_id=str(subscription.subscription_id),
                            reason=f"past due since {subscription.at}, grace period over",
                        ),
                        tenant_id=subscription.tenant_id,
                        deployment_id=subscription.deployment_id,
                    )
            suspended += len(due)
            if len(due) < self._settings.cycle_batch:
                return suspended
