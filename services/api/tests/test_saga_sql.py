"""Saga records through their repository on a real PostgreSQL: one statement to save a saga and
all its steps, one to read it back with them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from arcadia_api.app import MIGRATIONS
from arcadia_api.saga import repository as sagas
from arcadia_api.saga.model import Saga
from arcadia_api.saga.steps import SagaKind, SagaStatus
from arcadia_platform.db import create_pool, migrate

TIMEOUTS = {"saga_timeout": timedelta(minutes=5), "step_timeout": timedelta(seconds=60)}


async def test_a_saga_and_its_steps_are_saved_and_read_back_whole(database: str) -> None:
    pool = await create_pool(database)
    now = datetime.now(UTC).replace(microsecond=0)
    deployment = uuid4()
    try:
        await migrate(pool, [("api", MIGRATIONS)])
        async with pool.acquire() as conn, conn.transaction():
            provision = Saga.provision(uuid4(), deployment, "acme", now, **TIMEOUTS)
            await sagas.save(conn, provision, request={"slug": "app"})  # the insert
            assert await sagas.get(conn, provision.id) == provision

            # Moves on: a step succeeds, another starts; the saga aborts with reports.
            provision.record_success(
                "SubscriptionReserved", now + timedelta(seconds=1), TIMEOUTS["step_timeout"]
            )
            provision.abort("create_droplet", "no capacity", now + timedelta(seconds=2))
            provision.record_report("DropletDestroyed", now + timedelta(seconds=3))
            provision.droplet_id = 77
            await sagas.save(conn, provision)  # the update of the saga and of every step
            found = await sagas.get(conn, provision.id, for_update=True)
            assert found == provision
            assert found is not None
            assert found.status is not SagaStatus.RUNNING
            assert found.reports == {"droplet"}

            teardown = Saga.teardown(
                uuid4(), deployment, "acme", now + timedelta(seconds=5), **TIMEOUTS
            )
            await sagas.save(conn, teardown)
            assert await sagas.latest(conn, deployment, SagaKind.TEARDOWN) == teardown
            assert await sagas.latest(conn, deployment, SagaKind.PROVISION) == provision
            assert await sagas.of_deployment(conn, deployment) == [provision, teardown]
            assert await sagas.get(conn, uuid4()) is None
            stored = await conn.fetchval(
                "SELECT count(*) FROM saga_steps WHERE saga_id = $1", provision.id
            )
            assert stored == len(provision.steps)
    finally:
        await pool.close()
