"""The provisioning model: pure rules and types, no I/O."""

from arcadia_provisioner.domain.model import (
    STEP_OF_JOB,
    UNDO_KINDS,
    DueJob,
    Job,
    JobKind,
    PreviousRecord,
    Provisioning,
    ProvisioningChanges,
    Teardown,
)
from arcadia_provisioner.domain.names import (
    DNS_TTL_S,
    DROPLET_IMAGE,
    dns_label,
    dns_name,
    droplet_name,
    droplet_tags,
    saga_tag,
)

__all__ = [
    "DNS_TTL_S",
    "DROPLET_IMAGE",
    "STEP_OF_JOB",
    "UNDO_KINDS",
    "DueJob",
    "Job",
    "JobKind",
    "PreviousRecord",
    "Provisioning",
    "ProvisioningChanges",
    "Teardown",
    "dns_label",
    "dns_name",
    "droplet_name",
    "droplet_tags",
    "saga_tag",
]
