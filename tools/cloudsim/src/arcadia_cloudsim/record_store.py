"""DNS records per domain, indexed by fully qualified name; a domain exists from its first use."""

from __future__ import annotations

import msgspec

from arcadia_cloudsim.errors import ApiError
from arcadia_cloudsim.model import SimRecord
from arcadia_cloudsim.persistence import SavedRecord, SavedRecords
from arcadia_cloudsim.schemas import RecordBody
from arcadia_cloudsim.validation import check_record_data, normalize_record_name

FIRST_RECORD_ID = 500_000_001
DEFAULT_TTL = 1800
_OPTIONAL_FIELDS = ("ttl", "priority", "port", "weight", "flags", "tag")


class RecordStore:
    """Not thread-safe on its own: the simulator's lock guards every call."""

    def __init__(self) -> None:
        self._domains: dict[str, dict[int, SimRecord]] = {}
        # (domain, fqdn) -> record ids: name lookups stay cheap with thousands of records.
        self._by_fqdn: dict[tuple[str, str], set[int]] = {}
        self._next_id = FIRST_RECORD_ID
        # Set by every mutation, so the simulator saves only when something changed.
        self.changed = False

    def _domain(self, domain: str) -> dict[int, SimRecord]:
        return self._domains.setdefault(domain, {})

    def find(self, domain: str, fqdn: str | None, record_type: str | None) -> list[SimRecord]:
        records = self._domain(domain)
        if fqdn is None:
            candidates = list(records.values())
        else:
            candidates = [records[i] for i in sorted(self._by_fqdn.get((domain, fqdn), ()))]
        return [r for r in candidates if record_type is None or r.type == record_type]

    def create(
        self, domain: str, record_type: str, name: str, data: str, body: RecordBody
    ) -> SimRecord:
        record = SimRecord(
            id=self._next_id,
            domain=domain,
            type=record_type,
            name=name,
            data=data,
            ttl=body.ttl if body.ttl is not None else DEFAULT_TTL,
            priority=body.priority,
            port=body.port,
            weight=body.weight,
            flags=body.flags,
            tag=body.tag,
        )
        self._next_id += 1
        self._add(record)
        return record

    def _add(self, record: SimRecord) -> None:
        self._domain(record.domain)[record.id] = record
        self._index(record)
        self.changed = True

    def update(self, domain: str, record_id: int, body: RecordBody) -> SimRecord | None:
        record = self._domain(domain).get(record_id)
        if record is None:
            return None
        # Validate everything before changing anything: a rejected update leaves no trace.
        if body.type is not None and body.type.upper() != record.type:
            raise ApiError(422, "The type of a record cannot be changed.")
        if body.data is not None:
            check_record_data(record.type, body.data)
        name = normalize_record_name(body.name) if body.name is not None else record.name
        self.changed = True
        self._unindex(record)
        record.name = name
        if body.data is not None:
            record.data = body.data
        for field in _OPTIONAL_FIELDS:
            value = getattr(body, field)
            if value is not None:
                setattr(record, field, value)
        self._index(record)
        return record

    def delete(self, domain: str, record_id: int) -> bool:
        record = self._domain(domain).pop(record_id, None)
        if record is None:
            return False
        self.changed = True
        self._unindex(record)
        return True

    def all(self) -> list[SimRecord]:
        return [r for records in self._domains.values() for r in records.values()]

    def export(self) -> SavedRecords:
        """Everything to save; a domain with no record is not kept (it exists on first use)."""
        return SavedRecords(
            next_id=self._next_id,
            records=[msgspec.convert(r, SavedRecord, from_attributes=True) for r in self.all()],
        )

    def restore(self, saved: SavedRecords) -> None:
        """Replace everything with `saved` (on an empty store, at start-up)."""
        self._next_id = saved.next_id
        for r in saved.records:
            self._add(msgspec.convert(r, SimRecord, from_attributes=True))
        self.changed = False

    def _index(self, record: SimRecord) -> None:
        self._by_fqdn.setdefault((record.domain, record.fqdn), set()).add(record.id)

    def _unindex(self, record: SimRecord) -> None:
        key = (record.domain, record.fqdn)
        ids = self._by_fqdn.get(key)
        if ids is not None:
            ids.discard(record.id)
            if not ids:
                del self._by_fqdn[key]
