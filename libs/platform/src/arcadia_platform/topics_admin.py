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
# Every namespace this process has created topics in. A test session deletes them when it ends
# (`delete_namespaces`): left behind, a developer's Kafka gathers tens of thousands of partitions
# over a few days of test runs and stops starting ("Too many open files").
NAMESPACES_USED: set[str] = set()


async def ensure_topics(
    bootstrap: str,
    names: Iterable[str] = ALL_TOPICS,
    partitions: int = PARTITIONS,
    namespace: str = "",
) -> list[str]:
    """Create the missing topics (under `namespace`, if any); returns the names it created."""
    names = [TopicNames(namespace).physical(name) for name in names]
    if namespace:
        NAMESPACES_USED.add(namespace)
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


async def delete_namespaces(bootstrap: str, namespaces: Iterable[str]) -> int:
    """Delete every topic under these namespaces (never an un-namespaced one); how many."""
    prefixes = tuple(TopicNames(namespace).physical("") for namespace in namespaces if namespace)
    if not prefixes:
        return 0
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=30000)
    await admin.start()
    try:
        doomed = [name for name in await admin.list_topics() if name.startswith(prefixes)]
        for start in range(0, len(doomed), 500):
            await admin.delete_topics(doomed[start : start + 500])
        return len(doomed)
    finally:
        await admin.close()


def main() -> None:
    bootstrap = kafka_bootstrap_servers()
    namespace = os.environ.get("ARCADIA_TOPIC_NAMESPACE", "")
    created = asyncio.run(ensure_topics(bootstrap, namespace=namespace))
    print(f"[topics] {len(created)} created, {len(ALL_TOPICS)} in all")


if __name__ == "__main__":
    main()
