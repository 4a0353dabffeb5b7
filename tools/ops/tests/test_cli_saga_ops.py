"""`arcadia saga retry` and `arcadia saga abort` on a real stack: a saga whose trigger billing never
heard (its group moved past it) completes once the step is retried, and a second retry is refused;
a retry whose trigger was handled sends nothing; an operator's abort compensates a running saga,
and a second abort is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from arcadia_testing.ops import arcadia_json
from arcadia_testing.plugin import eventually, unique
from arcadia_testing.stack import Stack


async def saga_status(stack: Stack, saga: str) -> str:
    (row,) = await stack.rows("api", "SELECT status FROM sagas WHERE id::text = $1", saga)
    return str(row["status"])


async def test_retry_and_abort(stack: Stack) -> None:
    tenant = unique("sagaops").replace("_", "-")
    async with httpx.AsyncClient(timeout=15) as client:
        first = await stack.provision(client, tenant, "first")
        await stack.wait_terminal(client, tenant, *first, timeout_s=60)

        # Billing misses the saga's trigger: stopped, and its group moved past the event.
        stack.processes["billing"].stop()
        deployment, saga = await stack.provision(client, tenant, "lost")
        ahead = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
        code, moved = await arcadia_json(
            stack, "replay", "--service", "billing", "--from-time", ahead
        )
        assert code == 0, moved
        await stack.start("billing")
        await eventually(stack.consumers_caught_up, timeout_s=30, interval_s=0.3)
        assert await saga_status(stack, saga) == "running"

        code, dry = await arcadia_json(
            stack, "saga", "retry", saga, "--step", "reserve_subscription", "--dry-run"
        )
        assert (code, dry["sent"], dry["handled_at"]) == (0, False, None), dry
        code, sent = await arcadia_json(
            stack, "saga", "retry", saga, "--step", "reserve_subscription"
        )
        assert (code, sent["sent"], sent["trigger"]) == (0, True, "DeploymentProvisioningRequested")
        detail = await stack.wait_terminal(client, tenant, deployment, saga, timeout_s=60)
        assert detail["deployment"]["state"] == "active"
        code, again = await arcadia_json(
            stack, "saga", "retry", saga, "--step", "reserve_subscription"
        )
        assert code == 1
        assert "completed" in again["refused"]
        code, unknown = await arcadia_json(stack, "saga", "retry", saga, "--step", "nope")
        assert code == 1
        assert "retryable" in unknown["refused"]

        # A saga waiting on a stopped provisioner: billing handled its trigger already.
        stack.processes["provisioner"].stop()
        try:
            deployment, saga = await stack.provision(client, tenant, "held")

            async def reserved() -> bool:
                return bool(
                    await stack.rows(
                        "billing",
                        "SELECT 1 FROM sagas WHERE saga_id::text = $1 AND outcome = 'reserved'",
                        saga,
                    )
                )

            await eventually(reserved, timeout_s=30, interval_s=0.2)
            code, handled = await arcadia_json(
                stack, "saga", "retry", saga, "--step", "reserve_subscription"
            )
            assert (code, handled["sent"]) == (1, False), handled
            assert handled["handled_at"] is not None

            code, aborted = await arcadia_json(stack, "saga", "abort", saga, "--reason", "test")
            assert code == 0, aborted
            assert aborted["status"] == "compensating"
            assert "aborted by operator" in aborted["reason"]
        finally:
            await stack.start("provisioner")
        detail = await stack.wait_terminal(client, tenant, deployment, saga, timeout_s=60)
        assert detail["deployment"]["state"] == "cancelled"
        assert await saga_status(stack, saga) == "compensated"
        code, refused = await arcadia_json(stack, "saga", "abort", saga)
        assert code == 1
        assert "409" in refused["refused"]
        assert "saga-not-abortable" in refused["refused"]
