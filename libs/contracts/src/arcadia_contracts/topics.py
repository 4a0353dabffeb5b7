"""Kafka topic names: one per producing service, plus inbound platform topics and their DLQs."""

from typing import Final

DEPLOYMENTS: Final = "arcadia.deployments.v1"
BILLING: Final = "arcadia.billing.v1"
PROVISIONER: Final = "arcadia.provisioner.v1"
INVENTORY: Final = "arcadia.inventory.v1"
PAYMENTS: Final = "platform.payments.v1"
TENANTS: Final = "platform.tenants.v1"

OWN_TOPICS: Final = (DEPLOYMENTS, BILLING, PROVISIONER, INVENTORY)
INBOUND_TOPICS: Final = (PAYMENTS, TENANTS)
DLQ_SUFFIX: Final = ".dlq"


def dlq(topic: str) -> str:
    """The dead-letter twin of a topic."""
    return topic + DLQ_SUFFIX


ALL_TOPICS: Final = tuple(t for base in (*OWN_TOPICS, *INBOUND_TOPICS) for t in (base, dlq(base)))
