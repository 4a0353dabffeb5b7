"""The regions and sizes the simulator knows, with the figures DigitalOcean shows for them."""

from __future__ import annotations

from dataclasses import dataclass

REGIONS: dict[str, str] = {
    "nyc1": "New York 1",
    "nyc3": "New York 3",
    "sfo2": "San Francisco 2",
    "sfo3": "San Francisco 3",
    "ams3": "Amsterdam 3",
    "sgp1": "Singapore 1",
    "lon1": "London 1",
    "fra1": "Frankfurt 1",
    "tor1": "Toronto 1",
    "blr1": "Bangalore 1",
    "syd1": "Sydney 1",
    "atl1": "Atlanta 1",
}


@dataclass(frozen=True)
class Size:
    memory_mb: int
    vcpus: int
    disk_gb: int
    price_monthly: float


SIZES: dict[str, Size] = {
    "s-1vcpu-512mb-10gb": Size(512, 1, 10, 4.0),
    "s-1vcpu-1gb": Size(1024, 1, 25, 6.0),
    "s-1vcpu-2gb": Size(2048, 1, 50, 12.0),
    "s-2vcpu-2gb": Size(2048, 2, 60, 18.0),
    "s-2vcpu-4gb": Size(4096, 2, 80, 24.0),
    "s-4vcpu-8gb": Size(8192, 4, 160, 48.0),
    "s-8vcpu-16gb": Size(16384, 8, 320, 96.0),
}

# Unknown but well-formed size slugs are accepted (DigitalOcean has hundreds); they render as this.
UNKNOWN_SIZE = Size(0, 0, 0, 0.0)
