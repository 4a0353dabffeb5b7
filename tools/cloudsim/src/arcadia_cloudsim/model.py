"""The simulator's records of droplets, actions and DNS records, and its address pool."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
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
    """Hands out unique addresses from `network`, skipping .0, .1 (gateways) and .255."""

    def __init__(self, network: str) -> None:
        self._hosts: Iterator[ipaddress.IPv4Address] = ipaddress.IPv4Network(network).hosts()

    def take(self) -> str:
        for address in self._hosts:
            if address.packed[-1] not in (0, 1, 255):
                return str(address)
        raise RuntimeError("address pool exhausted")
