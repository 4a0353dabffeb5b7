"""The simulated account on disk: one JSON file, replaced atomically after every change."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

import msgspec
from msgspec import Struct

# Bumped when the file's shape changes in a way an older reader would misread.
FORMAT = 1


class SavedDroplet(Struct, forbid_unknown_fields=True):
    id: int
    name: str
    region: str
    size: str
    image: str | int
    tags: list[str]
    created_at: str
    # Wall-clock (epoch seconds): the in-memory monotonic time means nothing to another process.
    active_at_epoch: float
    action_id: int
    status: str
    public_ip: str | None
    private_ip: str | None
    stuck: bool


class SavedAction(Struct, forbid_unknown_fields=True):
    id: int
    droplet_id: int
    status: str
    started_at: str
    completed_at: str | None


class SavedRecord(Struct, forbid_unknown_fields=True):
    id: int
    domain: str
    type: str
    name: str
    data: str
    ttl: int
    priority: int | None
    port: int | None
    weight: int | None
    flags: int | None
    tag: str | None


class SavedDroplets(Struct, forbid_unknown_fields=True):
    next_id: int
    next_action_id: int
    next_public_ip: str
    next_private_ip: str
    droplets: list[SavedDroplet]
    actions: list[SavedAction]


class SavedRecords(Struct, forbid_unknown_fields=True):
    next_id: int
    records: list[SavedRecord]


class SavedState(Struct, forbid_unknown_fields=True):
    """Droplets, their actions, DNS records and every id counter; faults and counts are not kept."""

    format: int
    droplets: SavedDroplets
    records: SavedRecords


class StateFileError(Exception):
    """The state file exists but cannot be used: refuse to start rather than forget the cloud."""


class StateFile:
    """Where one simulator keeps its account; a single process owns a file at a time."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> SavedState | None:
        """The saved account, or None when there is no file yet."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StateFileError(f"cannot read the cloudsim state file {self.path}: {exc}") from exc
        try:
            state = msgspec.json.decode(raw, type=SavedState)
        except (msgspec.ValidationError, msgspec.DecodeError) as exc:
            raise StateFileError(f"the cloudsim state file {self.path} is unusable: {exc}") from exc
        if state.format != FORMAT:
            raise StateFileError(
                f"the cloudsim state file {self.path} has format {state.format},"
                f" this simulator reads format {FORMAT}"
            )
        return state

    def save(self, state: SavedState) -> None:
        """Write the whole account to a temporary file, then rename it over the old one.

        A reader (or a restart after kill -9) sees the old file or the new one, never half of
        one. The data is fsynced before the rename so a machine crash cannot leave an empty file.
        """
        data = msgspec.json.encode(state)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(
            dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp"
        )
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)
