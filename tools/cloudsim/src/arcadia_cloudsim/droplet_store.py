"""Droplets and their create actions, with the `new` -> `active` lifecycle applied when observed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from arcadia_cloudsim.faults import FaultKind
from arcadia_cloudsim.model import AddressPool, SimAction, SimDroplet
from arcadia_cloudsim.persistence import SavedAction, SavedDroplet, SavedDroplets
from arcadia_cloudsim.schemas import CreateDropletBody

# 198.18.0.0/15 is reserved for benchmarking (RFC 2544): plausible, public-looking, never routed.
PUBLIC_NETWORK = "198.18.0.0/15"
PRIVATE_NETWORK = "10.110.0.0/16"
FIRST_DROPLET_ID = 300_000_001
FIRST_ACTION_ID = 900_000_001


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class DropletStore:
    """Not thread-safe on its own: the simulator's lock guards every call."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._droplets: dict[int, SimDroplet] = {}
        self._by_tag: dict[str, set[int]] = {}
        self._actions: dict[int, SimAction] = {}
        self._next_id = FIRST_DROPLET_ID
        self._next_action_id = FIRST_ACTION_ID
        self._public = AddressPool(PUBLIC_NETWORK)
        self._private = AddressPool(PRIVATE_NETWORK)
        # Set by every mutation (reads included: observing a droplet can activate it), so the
        # simulator saves only when something changed.
        self.changed = False

    def create(self, body: CreateDropletBody, activation_delay_s: float) -> SimDroplet:
        now = utc_now()
        tags = tuple(dict.fromkeys(body.tags))
        droplet = SimDroplet(
            id=self._next_id,
            name=body.name,
            region=body.region,
            size=body.size,
            image=body.image,
            tags=tags,
            created_at=now,
            active_at=self._clock() + activation_delay_s,
            action_id=self._next_action_id,
        )
        self._actions[droplet.action_id] = SimAction(
            droplet.action_id, droplet.id, "in-progress", now
        )
        self._next_id += 1
        self._next_action_id += 1
        self._add(droplet)
        return droplet

    def _add(self, droplet: SimDroplet) -> None:
        self._droplets[droplet.id] = droplet
        for tag in droplet.tags:
            self._by_tag.setdefault(tag, set()).add(droplet.id)
        self.changed = True

    def get(self, droplet_id: int) -> SimDroplet | None:
        """The droplet as stored: call `observe` before showing it."""
        return self._droplets.get(droplet_id)

    def spoil(self, droplet: SimDroplet, kind: FaultKind) -> None:
        """Apply a lifecycle fault to a droplet that is still `new`."""
        self.changed = True
        if kind is FaultKind.NEVER_ACTIVE:
            droplet.stuck = True
        else:
            droplet.status = "errored"
            action = self._actions[droplet.action_id]
            action.status, action.completed_at = "errored", utc_now()

    def tagged(self, tag: str | None) -> list[SimDroplet]:
        ids = self._droplets.keys() if tag is None else self._by_tag.get(tag, set())
        found = [self._droplets[i] for i in sorted(ids)]
        for droplet in found:
            self.observe(droplet)
        return found

    def delete(self, droplet_id: int) -> bool:
        droplet = self._droplets.pop(droplet_id, None)
        if droplet is None:
            return False
        self.changed = True
        for tag in droplet.tags:
            ids = self._by_tag.get(tag)
            if ids is not None:
                ids.discard(droplet_id)
                if not ids:
                    del self._by_tag[tag]
        return True

    def delete_tagged(self, tag: str) -> int:
        ids = sorted(self._by_tag.get(tag, set()))
        for droplet_id in ids:
            self.delete(droplet_id)
        return len(ids)

    def action(self, action_id: int) -> tuple[SimAction, str | None] | None:
        action = self._actions.get(action_id)
        if action is None:
            return None
        droplet = self._droplets.get(action.droplet_id)
        if droplet is not None:
            self.observe(droplet)
        return action, droplet.region if droplet else None

    def observe(self, droplet: SimDroplet) -> None:
        """Bring the droplet's status up to date: `new` turns `active` once its delay is over."""
        if droplet.status != "new" or droplet.stuck or self._clock() < droplet.active_at:
            return
        self.changed = True
        droplet.status = "active"
        droplet.public_ip = self._public.take()
        droplet.private_ip = self._private.take()
        action = self._actions[droplet.action_id]
        action.status, action.completed_at = "completed", utc_now()

    # -- persistence ---------------------------------------------------------------------------

    def export(self, wall_offset_s: float) -> SavedDroplets:
        """Everything to save; `wall_offset_s` turns this process's clock into epoch seconds."""
        return SavedDroplets(
            next_id=self._next_id,
            next_action_id=self._next_action_id,
            next_public_ip=self._public.next_address,
            next_private_ip=self._private.next_address,
            droplets=[
                SavedDroplet(
                    id=d.id,
                    name=d.name,
                    region=d.region,
                    size=d.size,
                    image=d.image,
                    tags=list(d.tags),
                    created_at=d.created_at,
                    active_at_epoch=d.active_at + wall_offset_s,
                    action_id=d.action_id,
                    status=d.status,
                    public_ip=d.public_ip,
                    private_ip=d.private_ip,
                    stuck=d.stuck,
                )
                for d in self._droplets.values()
            ],
            actions=[
                SavedAction(
                    id=a.id,
                    droplet_id=a.droplet_id,
                    status=a.status,
                    started_at=a.started_at,
                    completed_at=a.completed_at,
                )
                for a in self._actions.values()
            ],
        )

    def restore(self, saved: SavedDroplets, wall_offset_s: float) -> None:
        """Replace everything with `saved` (on an empty store, at start-up); ValueError if the
        saved state contradicts itself."""
        self._next_id = saved.next_id
        self._next_action_id = saved.next_action_id
        self._public = AddressPool(PUBLIC_NETWORK, saved.next_public_ip)
        self._private = AddressPool(PRIVATE_NETWORK, saved.next_private_ip)
        self._actions = {
            a.id: SimAction(a.id, a.droplet_id, a.status, a.started_at, a.completed_at)
            for a in saved.actions
        }
        for d in saved.droplets:
            if d.action_id not in self._actions:
                raise ValueError(f"droplet {d.id} has no create action {d.action_id}")
            self._add(
                SimDroplet(
                    id=d.id,
                    name=d.name,
                    region=d.region,
                    size=d.size,
                    image=d.image,
                    tags=tuple(d.tags),
                    created_at=d.created_at,
                    active_at=d.active_at_epoch - wall_offset_s,
                    action_id=d.action_id,
                    status=d.status,
                    public_ip=d.public_ip,
                    private_ip=d.private_ip,
                    stuck=d.stuck,
                )
            )
        self.changed = False
