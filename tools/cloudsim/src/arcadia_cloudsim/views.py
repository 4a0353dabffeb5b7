"""DigitalOcean API v2 JSON shapes of the simulator's records."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from arcadia_cloudsim.catalog import REGIONS, SIZES, UNKNOWN_SIZE
from arcadia_cloudsim.model import SimAction, SimDroplet, SimRecord

# Addresses are /20 public and /16 private, like a DigitalOcean droplet's.
_PUBLIC_NETMASK = "255.255.240.0"
_PRIVATE_NETMASK = "255.255.0.0"


def _gateway(ip: str) -> str:
    a, b, c, _ = ip.split(".")
    return f"{a}.{b}.{int(c) & 0xF0}.1"


def _v4_networks(d: SimDroplet) -> list[dict[str, Any]]:
    v4: list[dict[str, Any]] = []
    if d.public_ip:
        v4.append(
            {
                "ip_address": d.public_ip,
                "netmask": _PUBLIC_NETMASK,
                "gateway": _gateway(d.public_ip),
                "type": "public",
            }
        )
    if d.private_ip:
        v4.append(
            {
                "ip_address": d.private_ip,
                "netmask": _PRIVATE_NETMASK,
                "gateway": _gateway(d.private_ip),
                "type": "private",
            }
        )
    return v4


def droplet_json(d: SimDroplet) -> dict[str, Any]:
    size = SIZES.get(d.size, UNKNOWN_SIZE)
    image: dict[str, Any] = (
        {"id": d.image, "slug": None} if isinstance(d.image, int) else {"id": None, "slug": d.image}
    )
    return {
        "id": d.id,
        "name": d.name,
        "memory": size.memory_mb,
        "vcpus": size.vcpus,
        "disk": size.disk_gb,
        "locked": d.status == "new",
        "status": d.status,
        "kernel": None,
        "created_at": d.created_at,
        "features": [],
        "backup_ids": [],
        "next_backup_window": None,
        "snapshot_ids": [],
        "image": image,
        "volume_ids": [],
        "size": {
            "slug": d.size,
            "memory": size.memory_mb,
            "vcpus": size.vcpus,
            "disk": size.disk_gb,
            "price_monthly": size.price_monthly,
            "regions": [d.region],
            "available": True,
        },
        "size_slug": d.size,
        "networks": {"v4": _v4_networks(d), "v6": []},
        "region": {
            "name": REGIONS.get(d.region, d.region),
            "slug": d.region,
            "features": [],
            "available": True,
            "sizes": [],
        },
        "tags": list(d.tags),
        "vpc_uuid": None,
    }


def action_json(a: SimAction, region: str | None) -> dict[str, Any]:
    return {
        "id": a.id,
        "status": a.status,
        "type": "create",
        "started_at": a.started_at,
        "completed_at": a.completed_at,
        "resource_id": a.droplet_id,
        "resource_type": "droplet",
        "region_slug": region,
    }


def record_json(r: SimRecord) -> dict[str, Any]:
    return {
        "id": r.id,
        "type": r.type,
        "name": r.name,
        "data": r.data,
        "priority": r.priority,
        "port": r.port,
        "ttl": r.ttl,
        "weight": r.weight,
        "flags": r.flags,
        "tag": r.tag,
    }


def page_links(url: str, page: int, per_page: int, total: int) -> dict[str, Any]:
    """DigitalOcean's `links` object: `pages` with first/prev/next/last URLs, empty on one page."""
    last = max(1, -(-total // per_page))
    if last == 1:
        return {}
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))

    def at(n: int) -> str:
        return urlunsplit(
            parts._replace(query=urlencode({**query, "page": n, "per_page": per_page}))
        )

    pages: dict[str, str] = {}
    if page > 1:
        pages |= {"first": at(1), "prev": at(min(page - 1, last))}
    if page < last:
        pages |= {"next": at(page + 1), "last": at(last)}
    return {"pages": pages}


def snapshot_droplet_json(d: SimDroplet) -> dict[str, Any]:
    """A droplet as /_sim/state shows it: the fields tests look at, flat."""
    return {
        "id": d.id,
        "name": d.name,
        "tags": list(d.tags),
        "status": d.status,
        "ip": d.public_ip,
        "region": d.region,
        "size": d.size,
        "created_at": d.created_at,
    }
