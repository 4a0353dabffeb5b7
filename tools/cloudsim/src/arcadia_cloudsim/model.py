"""The simulator's records of droplets, actions and DNS records, and its address pool."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass


@dataclass
class SimDroplet:
    id: int
    name: str
    region: str
    size: str
    image: str | int
    tags: tuple[str, ...]
    created_at: str
    # Monotonic time at which the droplet becomes `active` when next observed.
    active_at: float
    action_id: int
    status: str = "new"
    public_ip: str | None = None
    private_ip: str | None = None
    # Set by a `never_active` fault: the droplet stays `new` for good.
    stuck: bool = False


@dataclass
class SimAction:
    id: int
    droplet_id: int
    status: str
    started_at: str
    completed_at: str | None = None


@dataclass
class SimRecord:
    id: int
    domain: str
    type: str
    name: str
    data: str
    ttl: int
    priority: int | None = None
    port: int | None = None
    weight: int | None = None
    flags: int | None = None
    tag: str | None = None

    @property
    def fqdn(self) -> str:
        return self.domain if self.name == "@" else f"{self.name}.{self.domain}"


class AddressPool:
    """Hands out unique addresses from `network`, skipping .0, .1 (gateways) and .255.

    It remembers only the next candidate, so a saved simulator resumes where it stopped and
    never hands out an address twice.
    """

    def __init__(self, network: str, next_address: str | None = None) -> None:
        self._network = ipaddress.IPv4Network(network)
        first = int(self._network.network_address) + 1
        self._next = first if next_address is None else int(ipaddress.IPv4Address(next_address))
        if not first <= self._next <= int(self._network.broadcast_address):
            raise ValueError(f"{next_address} is not an address of {network}")

    @property
    def next_address(self) -> str:
        return str(ipaddress.IPv4Address(self._next))

    def take(self) -> str:
        while self._next < int(self._network.broadcast_address):
            address = ipaddress.IPv4Address(self._next)
            self._next += 1
            if address.packed[-1] not in (0, 1, 255):
                return str(address)
        raise RuntimeError("address pool exhausted")
