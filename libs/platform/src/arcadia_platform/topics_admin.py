"""Creates Arcadia's topics (never auto-created): `python -m arcadia_platform.topics_admin`."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Iterable

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaConnectionError, TopicAlreadyExistsError

from arcadia_contracts.topics import ALL_TOPICS
from arcadia_platform.settings import kafka_bootstrap_servers
from arcadia_platform.topicnames import TopicNames

PARTITIONS = 3


async def ensure_topics(
    bootstrap: str,
    names: Iterable[str] = ALL_TOPICS,
    partitions: int = PARTITIONS,
    namespace: str = "",
) -> list[str]:
    """Create the missing topics (under `namespace`, if any); returns the names it created."""
    names = [TopicNames(namespace).physical(name) for name in names]
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=15000)
    for attempt in range(60):
        try:
            await admin.start()
            break
        except KafkaConnectionError:
            if attempt == 59:
                raise
            await asyncio.sleep(0.5)
    try:
        existing = set(await admin.list_topics())
        wanted = [name for name in names if name not in existing]
        if wanted:
            new = [
                NewTopic(name, num_partitions=partitions, replication_factor=1) for name in wanted
            ]
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(new)
        return wanted
    finally:
        await admin.close()


def main() -> None:
    bootstrap = kafka_bootstrap_servers()
    namespace = os.environ.get("ARCADIA_TOPIC_NAMESPACE", "")
    created = asyncio.run(ensure_topics(bootstrap, namespace=namespace))
    print(f"[topics] {len(created)} created, {len(ALL_TOPICS)} in all")


if __name__ == "__main__":
    main()
