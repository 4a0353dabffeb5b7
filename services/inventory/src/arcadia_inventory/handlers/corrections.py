"""An operator's drift fix as an event: `InventoryCorrected` says what changed, and this applies it.

The drift fix (commands.py) applies its correction with `apply_correction` in the transaction
that publishes it; a rebuild (projection.py) applies the same event with the same code, at the
same moment in the inventory's history.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final
from uuid import UUID

from arcadia_contracts import Envelope
from arcadia_contracts.events.inventory import InventoryCorrected
from arcadia_inventory.adapters.dns_records import DnsRecordStore
from arcadia_inventory.adapters.resources import ResourceStore
from arcadia_inventory.domain import DNS_RECORD
from arcadia_inventory.handlers.common import payload_of
from arcadia_platform.db import Connection

# InventoryCorrected's actions.
RELEASE: Final = "release"
TAKE_PROVIDER_VALUE: Final = "take_provider_value"


async def apply_correction(conn: Connection, correction: InventoryCorrected, at: datetime) -> None:
    row_id = UUID(correction.row_id)
    if correction.action == RELEASE and correction.subject_kind == DNS_RECORD:
        await DnsRecordStore(conn).release("id = $1", row_id, reason=correction.reason, at=at)
    elif correction.action == RELEASE:
        await ResourceStore(conn).release_resource(row_id, correction.reason, at=at)
    elif correction.action == TAKE_PROVIDER_VALUE and correction.field is not None:
        await ResourceStore(conn).take_provider_value(
            row_id, correction.field, correction.value, correction.monthly_cost_cents
        )
    else:
        raise ValueError(f"no such correction: {correction.action} of {correction.subject_kind}")


async def replay_correction(conn: Connection, event: Envelope) -> None:
    """A rebuild's handler of InventoryCorrected: the change, at the time it was made."""
    await apply_correction(conn, payload_of(event, InventoryCorrected), event.occurred_at)
