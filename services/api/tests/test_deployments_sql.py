"""The deployments table through its repository, on a real PostgreSQL database."""

from __future__ import annotations

from uuid import uuid4

from arcadia_api.app import MIGRATIONS
from arcadia_api.deployments.domain import DeploymentState, LlmMode
from arcadia_api.deployments.repository import PostgresDeployments
from arcadia_platform.db import create_pool, migrate


async def test_a_new_deployment_is_created_and_updated_at_one_instant(database: str) -> None:
    # Two clock_timestamp() defaults once differed by 1 µs; many inserts make a regression show.
    pool = await create_pool(database)
    try:
        await migrate(pool, [("api", MIGRATIONS)])
        async with pool.acquire() as conn:
            deployments = PostgresDeployments(conn)
            created = [
                await deployments.add(
                    deployment_id=uuid4(),
                    tenant_id="acme",
                    slug=f"app-{i}",
                    display_name=f"App {i}",
                    region="fra1",
                    state=DeploymentState.ACTIVE,
                    llm_mode=LlmMode.PLATFORM,
                    template_code=None,
                    template_version=None,
                )
                for i in range(500)
            ]
            mismatched = await conn.fetchval(
                "SELECT count(*) FROM deployments WHERE created_at <> updated_at"
            )
    finally:
        await pool.close()
    assert all(d is not None and d.created_at == d.updated_at for d in created)
    assert mismatched == 0
