"""The simulated account: droplets, DNS, faults and call counts behind one lock, optionally saved."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from arcadia_cloudsim.config import SimConfig
from arcadia_cloudsim.droplet_store import DropletStore
from arcadia_cloudsim.errors import ApiError
from arcadia_cloudsim.faults import (
    LIFECYCLE_KINDS,
    Fault,
    FaultBook,
    Operation,
    fault_from_request,
)
from arcadia_cloudsim.persistence import FORMAT, SavedState, StateFile, StateFileError
from arcadia_cloudsim.ratelimit import HourlyWindow, PerTokenLimit
from arcadia_cloudsim.record_store import RecordStore
from arcadia_cloudsim.schemas import ConfigBody, CreateDropletBody, FaultBody, RecordBody
from arcadia_cloudsim.validation import check_new_record
from arcadia_cloudsim.views import action_json, droplet_json, record_json, snapshot_droplet_json

Page = tuple[list[dict[str, Any]], int]


def _page(items: list[Any], page: int, per_page: int) -> list[Any]:
    start = (page - 1) * per_page
    return items[start : start + per_page]


class Simulator:
    """Every method takes the lock, so concurrent requests see each other's effects whole.

    With a state file, every change is saved before the lock is released: the file always holds
    a whole state, in the order the changes happened, and a request is answered only once its
    effect is on disk (a kill -9 right after an answer loses nothing the caller saw).
    """

    def __init__(
        self,
        config: SimConfig,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._config = config
        self._clock = clock
        self._wall_clock = wall_clock
        self._lock = threading.Lock()
        # Bumped to end every hanging request at once (reset, shutdown); see http/fault_effects.py.
        self._hang_generation = 0
        self._state_file = StateFile(config.state_file) if config.state_file else None
        self._set_initial_state()
        self._load()

    def _set_initial_state(self) -> None:
        self.activation_delay_ms = self._config.activation_delay_ms
        self.default_hang_ms = self._config.default_hang_ms
        self._droplets = DropletStore(self._clock)
        self._records = RecordStore()
        self._faults = FaultBook()
        self._calls: Counter[str] = Counter()
        self._rate = HourlyWindow()
        self._per_token = PerTokenLimit(self._config.requests_per_minute)

    # -- persistence ---------------------------------------------------------------------------

    def _wall_offset_s(self) -> float:
        return self._wall_clock() - self._clock()

    def _load(self) -> None:
        if self._state_file is None:
            return
        saved = self._state_file.load()
        if saved is None:
            return
        try:
            self._droplets.restore(saved.droplets, self._wall_offset_s())
            self._records.restore(saved.records)
        except ValueError as exc:
            path = self._state_file.path
            raise StateFileError(f"the cloudsim state file {path} is unusable: {exc}") from exc

    def _save_if_changed(self) -> None:
        """Called with the lock held, so saves happen one at a time and in order."""
        if not (self._droplets.changed or self._records.changed):
            return
        self._droplets.changed = self._records.changed = False
        if self._state_file is None:
            return
        offset = self._wall_offset_s()
        self._state_file.save(
            SavedState(
                format=FORMAT,
                droplets=self._droplets.export(offset),
                records=self._records.export(),
            )
        )

    @contextmanager
    def _changing(self) -> Iterator[None]:
        """The lock, and a save of whatever the block changed before it is released."""
        with self._lock:
            try:
                yield
            finally:
                self._save_if_changed()

    # -- dev endpoints -------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget everything, the state file too; requests hanging on a timeout fault answer."""
        with self._lock:
            self._set_initial_state()
            self._hang_generation += 1
            if self._state_file is not None:
                self._state_file.clear()

    def release_hangs(self) -> None:
        with self._lock:
            self._hang_generation += 1

    @property
    def hang_generation(self) -> int:
        return self._hang_generation

    def configure(self, body: ConfigBody) -> dict[str, int]:
        with self._lock:
            if body.activation_delay_ms is not None:
                self.activation_delay_ms = body.activation_delay_ms
            if body.default_hang_ms is not None:
                self.default_hang_ms = body.default_hang_ms
            if body.requests_per_minute is not None:
                self._per_token.per_minute = body.requests_per_minute
            return self._settings()

    def _settings(self) -> dict[str, int]:
        return {
            "activation_delay_ms": self.activation_delay_ms,
            "default_hang_ms": self.default_hang_ms,
            "requests_per_minute": self._per_token.per_minute,
        }

    def add_fault(self, body: FaultBody) -> list[dict[str, Any]]:
        with self._lock:
            try:
                fault = fault_from_request(
                    body.operation,
                    body.fault,
                    body.hang_ms if body.hang_ms is not None else self.default_hang_ms,
                    body.retry_after_s,
                    body.message or "",
                )
            except ValueError as exc:
                raise ApiError(422, str(exc)) from exc
            self._faults.add(fault, body.count)
            return self._faults.pending()

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def snapshot(self) -> dict[str, Any]:
        with self._changing():
            droplets = [snapshot_droplet_json(d) for d in self._droplets.tagged(None)]
            records = [
                {"domain": r.domain, "fqdn": r.fqdn, **record_json(r)} for r in self._records.all()
            ]
            return {
                "droplets": droplets,
                "records": records,
                "calls": {op.value: self._calls[op.value] for op in Operation},
                "faults": self._faults.pending(),
                "config": self._settings(),
                "rate_limit": self._per_token.snapshot(),
                "state_file": str(self._state_file.path) if self._state_file else None,
            }

    # -- every API call ------------------------------------------------------------------------

    def begin(self, operation: Operation) -> Fault | None:
        """Count the call and take the fault it must suffer, if any (lifecycle faults wait)."""
        with self._lock:
            self._calls[operation.value] += 1
            self._rate.count(self._wall_clock())
            head = self._faults.peek(operation)
            if head is None or head.kind in LIFECYCLE_KINDS:
                return None
            return self._faults.consume(operation)

    def admit(self, token: str) -> None:
        """Enforce the per-token requests-per-minute limit (when set): 429 before any work."""
        with self._lock:
            now = self._wall_clock()
            wait = self._per_token.take(token, now)
            if wait is None:
                return
            headers = self._per_token.headers(token, now, wait)
        raise ApiError(429, "API Rate limit exceeded.", headers=headers)

    def rate_headers(self) -> dict[str, str]:
        with self._lock:
            return self._rate.headers()

    # -- droplets ------------------------------------------------------------------------------

    def create_droplet(self, body: CreateDropletBody) -> tuple[dict[str, Any], int]:
        """The new droplet and the id of its create action."""
        with self._changing():
            droplet = self._droplets.create(body, self.activation_delay_ms / 1000)
            return droplet_json(droplet), droplet.action_id

    def list_droplets(self, tag: str | None, page: int, per_page: int) -> Page:
        with self._changing():
            found = self._droplets.tagged(tag)
            return [droplet_json(d) for d in _page(found, page, per_page)], len(found)

    def get_droplet(self, droplet_id: int) -> dict[str, Any] | None:
        with self._changing():
            droplet = self._droplets.get(droplet_id)
            if droplet is None:
                return None
            head = self._faults.peek(Operation.DROPLETS_GET)
            # A lifecycle fault only lands on a droplet that has not become active yet.
            if head is not None and head.kind in LIFECYCLE_KINDS and droplet.status == "new":
                self._faults.consume(Operation.DROPLETS_GET)
                self._droplets.spoil(droplet, head.kind)
            self._droplets.observe(droplet)
            return droplet_json(droplet)

    def delete_droplet(self, droplet_id: int) -> bool:
        with self._changing():
            return self._droplets.delete(droplet_id)

    def delete_tagged(self, tag: str) -> int:
        with self._changing():
            return self._droplets.delete_tagged(tag)

    def get_action(self, action_id: int) -> dict[str, Any] | None:
        with self._changing():
            found = self._droplets.action(action_id)
            return None if found is None else action_json(*found)

    # -- DNS records ---------------------------------------------------------------------------

    def list_records(
        self, domain: str, fqdn: str | None, record_type: str | None, page: int, per_page: int
    ) -> Page:
        with self._changing():
            found = self._records.find(domain, fqdn, record_type)
            return [record_json(r) for r in _page(found, page, per_page)], len(found)

    def create_record(self, domain: str, body: RecordBody) -> dict[str, Any]:
        record_type, name, data = check_new_record(body)
        with self._changing():
            return record_json(self._records.create(domain, record_type, name, data, body))

    def update_record(self, domain: str, record_id: int, body: RecordBody) -> dict[str, Any] | None:
        with self._changing():
            record = self._records.update(domain, record_id, body)
            return None if record is None else record_json(record)

    def delete_record(self, domain: str, record_id: int) -> bool:
        with self._changing():
            return self._records.delete(domain, record_id)
