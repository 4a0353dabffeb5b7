"""What the saga reads of a droplet and a DNS record: the types its cloud port speaks."""

from __future__ import annotations

from typing import Protocol


class CloudDroplet(Protocol):
    @property
    def id(self) -> int: ...

    @property
    def name(self) -> str: ...

    @property
    def status(self) -> str: ...

    # The public IPv4 address, once the provider shows one.
    @property
    def ip(self) -> str | None: ...

    @property
    def is_active(self) -> bool: ...


class CloudRecord(Protocol):
    @property
    def id(self) -> int: ...

    @property
    def type(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def data(self) -> str: ...
