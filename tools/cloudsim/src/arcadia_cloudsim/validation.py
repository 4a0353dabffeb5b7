"""Checks beyond the body's shape, with DigitalOcean-like 422 messages."""

from __future__ import annotations

import ipaddress
import re

from arcadia_cloudsim.catalog import REGIONS
from arcadia_cloudsim.errors import ApiError
from arcadia_cloudsim.schemas import CreateDropletBody, RecordBody

_HOSTNAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.\-]{0,253}[A-Za-z0-9])?$")
_TAG = re.compile(r"^[A-Za-z0-9_\-:]{1,255}$")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9\-]*$")
_DOMAIN = re.compile(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9\-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9\-]{0,61}[a-z0-9]$"
)
_RECORD_NAME = re.compile(r"^(@|(\*\.)?[a-z0-9_*]([a-z0-9_\-.]{0,251}[a-z0-9_])?)$")

RECORD_TYPES = frozenset({"A", "AAAA", "CAA", "CNAME", "MX", "NS", "SOA", "SRV", "TXT"})


def _reject(message: str) -> ApiError:
    return ApiError(422, message)


def check_droplet(body: CreateDropletBody) -> None:
    if not _HOSTNAME.match(body.name):
        raise _reject("Name is invalid: use only letters, digits, dots and dashes.")
    if body.region not in REGIONS:
        raise _reject("You specified an invalid region for Droplet creation.")
    if not _SLUG.match(body.size):
        raise _reject("You specified an invalid size for Droplet creation.")
    if (isinstance(body.image, int) and body.image <= 0) or body.image == "":
        raise _reject("You specified an invalid image for Droplet creation.")
    for tag in body.tags:
        if not _TAG.match(tag):
            raise _reject(
                f"Tag {tag!r} is invalid: use letters, digits, colons, dashes, underscores."
            )


def normalize_domain(domain: str) -> str:
    """The domain, lower-cased; an invalid name is a 404 like an unknown domain."""
    name = domain.lower().rstrip(".")
    if not _DOMAIN.match(name):
        raise ApiError(404)
    return name


def normalize_record_name(name: str) -> str:
    lowered = name.lower()
    if not _RECORD_NAME.match(lowered):
        raise _reject(f"Name {name!r} is invalid.")
    return lowered


def check_record_data(record_type: str, data: str) -> None:
    if record_type in ("A", "AAAA"):
        version = 4 if record_type == "A" else 6
        try:
            address = ipaddress.ip_address(data)
        except ValueError:
            address = None
        if address is None or address.version != version:
            raise _reject(
                f"Data needs to be a valid IPv{version} address for an {record_type} record."
            )
    elif not data:
        raise _reject("Data is required.")


def check_new_record(body: RecordBody) -> tuple[str, str, str]:
    """Type, normalized name and data of a record to create."""
    record_type = (body.type or "").upper()
    if record_type not in RECORD_TYPES:
        raise _reject(f"Type must be one of {', '.join(sorted(RECORD_TYPES))}.")
    if body.name is None:
        raise _reject("Name is required.")
    if body.data is None:
        raise _reject("Data is required.")
    check_record_data(record_type, body.data)
    if record_type in ("MX", "SRV") and body.priority is None:
        raise _reject(f"Priority is required for an {record_type} record.")
    if record_type == "SRV" and (body.port is None or body.weight is None):
        raise _reject("Port and weight are required for an SRV record.")
    return record_type, normalize_record_name(body.name), body.data
